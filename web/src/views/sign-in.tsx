/**
 * Sign-in. Development: pick a demo user, and the gateway's development issuer (`POST /dev/token`, present only in
 * development) issues a short-lived token for exactly that user. Production: paste a token from your identity
 * provider, or arrive from it with `#access_token=…` (handled before this view).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, fetchDemoPersonas, fetchDevToken, request, type DemoPersona } from '../api';
import { makeSession, type Session } from '../auth';
import { describedBy, Field, Loading } from '../components';
import { ME } from '../operations';

export function SignIn({ onSignedIn, reason }: { onSignedIn(session: Session): void; reason: string | null }) {
  const [personas, setPersonas] = useState<DemoPersona[] | null | undefined>(undefined);
  const [persona, setPersona] = useState('');
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<{ field: 'persona' | 'token'; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void fetchDemoPersonas().then((list) => {
      setPersonas(list);
      const [first] = list ?? [];
      if (first) setPersona(first.id);
    });
  }, []);

  async function finish(token: string, source: Session['source'], label: string, field: 'persona' | 'token') {
    setBusy(true);
    setError(null);
    try {
      // Ask the API who this token is before keeping it.
      await request(ME, {}, token);
      onSignedIn(makeSession(token, source, label));
    } catch (caught) {
      const message =
        caught instanceof ApiError && caught.status === 401
          ? 'That token was not accepted: it may have expired, or be for another environment.'
          : (caught as Error).message;
      setError({ field, message });
    } finally {
      setBusy(false);
    }
  }

  async function signInAsPersona(event: Event) {
    event.preventDefault();
    const chosen = personas?.find((p) => p.id === persona);
    if (!chosen) return setError({ field: 'persona', message: 'Choose a demo user.' });
    try {
      setBusy(true);
      const token = await fetchDevToken(chosen.id);
      await finish(token, 'development', chosen.label, 'persona');
    } catch (caught) {
      setBusy(false);
      setError({ field: 'persona', message: (caught as Error).message });
    }
  }

  async function signInWithToken(event: Event) {
    event.preventDefault();
    const token = pasted.trim().replace(/^Bearer\s+/i, '');
    if (!token) return setError({ field: 'token', message: 'Paste the access token your identity provider gave you.' });
    await finish(token, 'pasted', 'Signed in with a token', 'token');
  }

  const personaError = error?.field === 'persona' ? error.message : undefined;
  const tokenError = error?.field === 'token' ? error.message : undefined;

  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <h1>Sign in to the CPSD participant dashboard</h1>
      {reason ? (
        <p class="notice" role="status">
          {reason}
        </p>
      ) : null}
      {personas === undefined ? <Loading label="Checking sign-in options…" /> : null}
      {personas?.length ? (
        <section class="card" aria-labelledby="dev-sign-in">
          <h2 id="dev-sign-in">Development sign-in</h2>
          <p>This gateway runs with its development token issuer. Choose a demo user: you get a one-hour token with that user's rights only.</p>
          <form onSubmit={signInAsPersona}>
            <fieldset aria-describedby={personaError ? 'persona-error' : undefined}>
              <legend>Demo user</legend>
              {personaError ? (
                <p class="error-text" id="persona-error">
                  <span class="visually-hidden">Error: </span>
                  {personaError}
                </p>
              ) : null}
              <div class="radios">
                {personas.map((p) => (
                  <div class="radio" key={p.id}>
                    <input type="radio" id={`persona-${p.id}`} name="persona" value={p.id} checked={persona === p.id} onChange={() => setPersona(p.id)} />
                    <label for={`persona-${p.id}`}>
                      {p.label}
                      <span class="hint">
                        {p.sub} · {p.org} · {p.roles.join(', ')}
                        {p.desks.length ? ` · desks: ${p.desks.join(', ')}` : ''}
                      </span>
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
            <button type="submit" disabled={busy}>
              Sign in as demo user
            </button>
          </form>
        </section>
      ) : null}
      <section class="card" aria-labelledby="token-sign-in">
        <h2 id="token-sign-in">Sign in with an access token</h2>
        <form onSubmit={signInWithToken}>
          <Field
            id="token"
            label="Access token (JWT)"
            hint="From your organisation's identity provider. It is kept in this browser tab only and sent only to this gateway."
            error={tokenError}
          >
            <textarea
              id="token"
              rows={4}
              spellcheck={false}
              autocomplete="off"
              value={pasted}
              onInput={(e) => setPasted(e.currentTarget.value)}
              {...describedBy('token', true, tokenError)}
            />
          </Field>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      </section>
    </main>
  );
}
