/**
 * Digests: a notification preference with `digestEveryMinutes` hears of its cases in one message per period instead
 * of one message per notice. The raiser fan-out keeps a digest preference's notice as an item (the reference, what
 * happened, the state — never case text); the `notification-digests` job then, for each preference whose period has
 * run since its previous digest (or since its oldest waiting item), closes the waiting items into a digest and queues
 * it as one delivery through the engine (retries, dead letters, one stable id: the digest's).
 *
 * Exactly once: closing is one UPDATE … RETURNING in a transaction with the digest row, so an item joins one digest
 * only; queueing uses the digest id as the delivery's event id (ON CONFLICT DO NOTHING), and a digest is marked
 * queued only after its delivery row exists, so a job killed between the two queues it again, deduped. A preference
 * switched back to immediate has its waiting items sent at the next run; a removed one takes them with it.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { OutboundEvent } from '../../adapters/sdk';
import { ContactMethodKind } from '../../schema/enums';
import { EventType } from '../../schema/events';
import type { DeliveredCpsdEvent } from '../../platform/events';
import { NotificationChannel, type NotificationKind, webhookEndpointId } from './notification-preferences';
import { deliverTo, mailboxRecipient, type Recipient } from './recipients';

/** The delivery's event type for a digest (not a bus event: the engine makes it). */
export const DIGEST_EVENT_TYPE = EventType.NOTIFICATION_DIGEST;
/** The most notices one digest lists; the rest wait for the next one. */
export const DIGEST_MAX_ITEMS = 200;

export interface DigestItem {
  eventId: string;
  eventType: string;
  kind: NotificationKind;
  caseId: string;
  caseReference: string;
  state: string | null;
  deskName: string | null;
  occurredAt: string;
}

/** Keeps a notice for a digest preference; a redelivered event adds nothing. */
export async function gatherForDigest(db: DataSource, preferenceId: string, item: DigestItem): Promise<number> {
  const rows = (await db.query(
    `INSERT INTO delivery.notification_digest_items (preference_id, event_id, event_type, kind, case_id, case_reference, state, desk_name, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz)
     ON CONFLICT (preference_id, event_id) DO NOTHING
     RETURNING event_id`,
    [preferenceId, item.eventId, item.eventType, item.kind, item.caseId, item.caseReference, item.state, item.deskName, item.occurredAt],
  )) as unknown[];
  return rows.length;
}

/** The recipient a preference names: a mailbox, or the organisation's webhook endpoint. */
export function preferenceRecipient(organisationId: string, channel: NotificationChannel, address: string): Recipient {
  return channel === NotificationChannel.EMAIL
    ? mailboxRecipient(address, 'notices')
    : { endpointId: webhookEndpointId(organisationId, address), party: 'notices', kind: ContactMethodKind.WEBHOOK, address };
}

/** Closes the waiting items of every due preference into digests; returns how many digests were closed. */
async function closeDueDigests(db: DataSource, now: Date): Promise<number> {
  // Due: switched back to immediate, or a whole period since the previous digest (or, for the first, since the
  // oldest waiting item). SKIP LOCKED: replicas running the job at once close different preferences.
  return db.transaction(async (tx) => {
    const due = (await tx.query(
      `SELECT p.id
         FROM delivery.notification_preferences p
        WHERE EXISTS (SELECT 1 FROM delivery.notification_digest_items i WHERE i.preference_id = p.id AND i.digest_id IS NULL)
          AND (p.digest_minutes IS NULL
               OR COALESCE(p.last_digest_at,
                           (SELECT min(i.occurred_at) FROM delivery.notification_digest_items i WHERE i.preference_id = p.id AND i.digest_id IS NULL))
                  + make_interval(mins => p.digest_minutes) <= $1::timestamptz)
        ORDER BY p.id
        LIMIT 100
        FOR UPDATE OF p SKIP LOCKED`,
      [now.toISOString()],
    )) as { id: string }[];
    for (const { id } of due) {
      const digestId = randomUUID();
      await tx.query(`INSERT INTO delivery.notification_digests (id, preference_id, closed_at) VALUES ($1, $2, $3::timestamptz)`, [
        digestId,
        id,
        now.toISOString(),
      ]);
      await tx.query(
        `UPDATE delivery.notification_digest_items SET digest_id = $1
          WHERE (preference_id, event_id) IN (
            SELECT preference_id, event_id FROM delivery.notification_digest_items
             WHERE preference_id = $2 AND digest_id IS NULL ORDER BY occurred_at, event_id LIMIT ${DIGEST_MAX_ITEMS})`,
        [digestId, id],
      );
      await tx.query(`UPDATE delivery.notification_preferences SET last_digest_at = $2::timestamptz WHERE id = $1`, [id, now.toISOString()]);
    }
    return due.length;
  });
}

interface ClosedDigest {
  id: string;
  preferenceId: string;
  closedAt: Date;
  organisationId: string;
  channel: NotificationChannel;
  address: string;
  digestMinutes: number | null;
}

/** Queues every closed digest not yet queued as one delivery; returns how many deliveries were new. */
async function queueClosedDigests(db: DataSource, publicUrl: string | undefined): Promise<number> {
  const dashboard = publicUrl ? `${publicUrl.replace(/\/+$/, '')}/dashboard/#/cases` : null;
  const digests = (await db.query(
    `SELECT d.id, d.preference_id AS "preferenceId", d.closed_at AS "closedAt", p.organisation_id AS "organisationId", p.channel, p.address, p.digest_minutes AS "digestMinutes"
       FROM delivery.notification_digests d JOIN delivery.notification_preferences p ON p.id = d.preference_id
      WHERE d.queued_at IS NULL
      ORDER BY d.closed_at
      LIMIT 100`,
  )) as ClosedDigest[];
  let inserted = 0;
  for (const digest of digests) {
    const items = (await db.query(
      `SELECT event_type AS "eventType", kind, case_id AS "caseId", case_reference AS "caseReference", state, desk_name AS "deskName",
              occurred_at AS "occurredAt"
         FROM delivery.notification_digest_items WHERE digest_id = $1 ORDER BY occurred_at, event_id`,
      [digest.id],
    )) as (Omit<DigestItem, 'eventId' | 'occurredAt'> & { occurredAt: Date })[];
    const occurredAt = new Date(digest.closedAt).toISOString();
    const outbound: OutboundEvent = {
      id: digest.id,
      type: DIGEST_EVENT_TYPE,
      occurredAt,
      caseId: null,
      caseReference: null,
      handoffId: null,
      data: {
        audience: 'RAISER',
        kind: 'DIGEST',
        periodMinutes: digest.digestMinutes,
        cases: new Set(items.map((i) => i.caseId)).size,
        link: dashboard,
        items: items.map((i) => ({
          caseReference: i.caseReference,
          link: dashboard ? `${dashboard}/${encodeURIComponent(i.caseId)}` : null,
          eventType: i.eventType,
          kind: i.kind,
          state: i.state,
          deskName: i.deskName,
          occurredAt: new Date(i.occurredAt).toISOString(),
        })),
      },
    };
    // The engine's own event: the digest's id is the delivery's event id, so queueing twice inserts nothing.
    const event: DeliveredCpsdEvent = {
      id: digest.id,
      type: DIGEST_EVENT_TYPE,
      payload: { preferenceId: digest.preferenceId, notices: items.length },
      source: 'delivery',
      occurredAt,
      entity: { __typename: 'NotificationPreference', id: digest.preferenceId },
      caseId: null,
      sequence: '0',
    } as DeliveredCpsdEvent;
    const recipient = preferenceRecipient(digest.organisationId, digest.channel, digest.address);
    if (items.length) inserted += await deliverTo(db, [recipient], event, outbound, `digest:${recipient.endpointId}`);
    await db.query(`UPDATE delivery.notification_digests SET queued_at = now() WHERE id = $1`, [digest.id]);
  }
  return inserted;
}

/** The `notification-digests` job: close what is due, then queue what is closed. */
export async function sendDueDigests(db: DataSource, now: Date, options: { publicUrl?: string | undefined } = {}): Promise<number> {
  await closeDueDigests(db, now);
  return queueClosedDigests(db, options.publicUrl);
}
