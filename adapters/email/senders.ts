/**
 * Who may write in on a desk's behalf: each shared-mailbox desk's nominated senders, as the directory holds them — read
 * through the API (`desks { profile { nominatedSenders } } }`, shown only to a CPSD admin or the desk's own agents) as
 * the bridge's directory identity, and read again every minute, so a desk whose profile changes is followed without
 * a restart and a failed read keeps the last list.
 */
import { ContactMethodKind } from '../../schema/enums';
import type { MarketDesk } from '../../platform/market';
import type { CpsdApi, ServiceIdentity } from '../../platform/gateway-client';
import { logger } from '../../platform/logger';

/** The bridge's identity for reading the directory. Production: a client-credentials token for this subject with cpsd_admin. */
export const DIRECTORY_IDENTITY: ServiceIdentity = { subject: 'bridge:email:directory', organisationId: 'elexon', roles: ['cpsd_admin'], deskIds: [] };

const SENDERS_QUERY = `query NominatedSenders { desks { id organisation { id } profile { contactMethod { kind } nominatedSenders } } }`;

interface DesksView {
  desks: { id: string; organisation: { id: string }; profile: { contactMethod: { kind: string }; nominatedSenders: string[] } | null }[];
}

/** Every shared-mailbox desk of the directory with its nominated senders, through the API. */
export async function mailboxDesksFromApi(api: CpsdApi): Promise<MailboxDesk[]> {
  const { desks } = await api.request<DesksView>(SENDERS_QUERY, {}, DIRECTORY_IDENTITY);
  return desks
    .filter((desk) => desk.profile?.contactMethod.kind === ContactMethodKind.SHARED_MAILBOX && desk.profile.nominatedSenders.length)
    .map((desk) => ({ deskId: desk.id, organisationId: desk.organisation.id, senders: [...(desk.profile?.nominatedSenders ?? [])] }));
}

/** The nominated senders the receiver checks against, kept in step with the directory. */
export class DirectorySenders {
  current: NominatedSenders;
  private timer: NodeJS.Timeout | null = null;

  constructor(initial: readonly MailboxDesk[] = []) {
    this.current = new NominatedSenders(initial);
  }

  /** Reads the directory now; on failure keeps what it has (and says so). Returns whether it read. */
  async refresh(api: CpsdApi): Promise<boolean> {
    try {
      this.current = new NominatedSenders(await mailboxDesksFromApi(api));
      return true;
    } catch (error) {
      logger.warn({ code: (error as { code?: string }).code ?? (error as Error).name }, 'email bridge: nominated senders not read; keeping the last list');
      return false;
    }
  }

  /** The first read, then one every `refreshMs`. */
  async follow(api: CpsdApi, refreshMs: number): Promise<void> {
    await this.refresh(api);
    this.timer = setInterval(() => void this.refresh(api), refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export interface MailboxDesk {
  deskId: string;
  /** The desk's organisation: the bridge acts as a desk agent of this organisation and desk only. */
  organisationId: string;
  /** Addresses allowed to write in for the desk (the shared mailbox itself and any others it nominated). */
  senders: string[];
}

/** Every SHARED_MAILBOX desk of a market directory with its nominated senders. */
export function mailboxDesksOf(desks: readonly MarketDesk[]): MailboxDesk[] {
  return desks
    .filter((desk) => desk.contactMethod.kind === ContactMethodKind.SHARED_MAILBOX && desk.nominatedSenders?.length)
    .map((desk) => ({
      deskId: desk.id,
      organisationId: desk.organisationId,
      senders: [...(desk.nominatedSenders ?? [])],
    }));
}

export const normaliseAddress = (address: string | null | undefined): string => (address ?? '').trim().toLowerCase();

/** Sender address → the desks it may write for. */
export class NominatedSenders {
  private readonly byAddress = new Map<string, MailboxDesk[]>();

  constructor(desks: readonly MailboxDesk[]) {
    for (const desk of desks) {
      for (const sender of desk.senders) {
        const key = normaliseAddress(sender);
        if (!key) continue;
        this.byAddress.set(key, [...(this.byAddress.get(key) ?? []), desk]);
      }
    }
  }

  desksFor(address: string | null | undefined): MailboxDesk[] {
    return this.byAddress.get(normaliseAddress(address)) ?? [];
  }

  isNominated(address: string | null | undefined): boolean {
    return this.desksFor(address).length > 0;
  }

  /** Desks both addresses are nominated for (the header From and the envelope MAIL FROM must agree). */
  desksForBoth(from: string | null | undefined, envelopeFrom: string | null | undefined): MailboxDesk[] {
    const envelope = new Set(this.desksFor(envelopeFrom).map((d) => d.deskId));
    return this.desksFor(from).filter((desk) => envelope.has(desk.deskId));
  }
}
