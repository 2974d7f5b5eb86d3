/**
 * One form action of a console (triage, hold, an MI update…): runs it, says when it is busy, and on failure keeps the
 * ApiError for the form to place each error beside its field (field-errors.ts).
 */
import { useState } from 'preact/hooks';
import { ApiError } from './api';
import { ErrorMessage } from './components';

export function useAction<T>(onDone: (updated: T, message: string) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function run(action: () => Promise<T>, message: string): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      onDone(await action(), message);
      return true;
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(String(caught), [], 0));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

/** The errors of an action that name no field, above the form. */
export function GeneralErrors({ messages }: { messages: string[] }) {
  return messages.length ? <ErrorMessage error={messages.join(' ')} title="That did not work" /> : null;
}
