/**
 * Who may write in on a desk's behalf. The desk profiles the API exposes do not carry nominated senders (the party
 * subgraphs keep them), so the email bridge is configured with them per desk: in production from its configuration
 * (`EMAIL_MAILBOX_DESKS`, JSON `[{ "deskId", "organisationId", "senders": [...] }]`), in development from the market
 * directory the product was started with.
 */
import { ContactMethodKind } from '../../schema/enums';
import type { MarketDesk } from '../../platform/market';

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

/** Reads `EMAIL_MAILBOX_DESKS` (JSON); throws with a clear message when it is malformed. */
export function mailboxDesksFromJson(json: string): MailboxDesk[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error('EMAIL_MAILBOX_DESKS must be a JSON array of { deskId, organisationId, senders }');
  return parsed.map((entry, index) => {
    const e = entry as Partial<MailboxDesk>;
    if (typeof e.deskId !== 'string' || typeof e.organisationId !== 'string' || !Array.isArray(e.senders) || !e.senders.every((s) => typeof s === 'string')) {
      throw new Error(`EMAIL_MAILBOX_DESKS[${index}] must be { deskId, organisationId, senders: string[] }`);
    }
    return { deskId: e.deskId, organisationId: e.organisationId, senders: e.senders };
  });
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
