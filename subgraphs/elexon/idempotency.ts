/**
 * Idempotency keys for the hub's mutations: a retry with the same key returns the first result; the same key with a
 * different request is refused. One transaction holds the key row and the work, so a failure leaves neither.
 */
import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../schema/errors';
import type { Principal } from '../../schema/identity';

/**
 * Runs `work` once per (caller, key) and returns the id of its result (the first one, on a retry). The caller is
 * (organisation, principal kind, subject): a subject is unique only within one organisation's identity provider.
 */
export async function runIdempotent<T extends object>(
  db: DataSource,
  principal: Principal,
  operation: string,
  input: T & { idempotencyKey?: string | null },
  work: (tx: EntityManager) => Promise<string>,
): Promise<string> {
  const key = input.idempotencyKey?.trim() || null;
  if (key && key.length > 200) throw DomainError.badUserInput('idempotencyKey must be at most 200 characters', 'idempotencyKey');
  const { idempotencyKey: _ignored, ...rest } = input;
  const hash = createHash('sha256').update(operation).update(JSON.stringify(rest)).digest('hex');
  const caller = [principal.organisationId, principal.kind, principal.subject] as const;
  return db.transaction(async (tx) => {
    if (key) {
      // Blocks behind a concurrent first attempt with the same key, then sees its row.
      const inserted = (await tx.query(
        `INSERT INTO elexon.idempotency_keys (organisation_id, principal_kind, subject, key, operation, request_hash, result_id)
         VALUES ($1, $2, $3, $4, $5, $6, '')
         ON CONFLICT (organisation_id, principal_kind, subject, key) DO NOTHING RETURNING key`,
        [...caller, key, operation, hash],
      )) as unknown[];
      if (!inserted.length) {
        const [previous] = (await tx.query(
          `SELECT operation, request_hash AS hash, result_id AS "resultId" FROM elexon.idempotency_keys
            WHERE organisation_id = $1 AND principal_kind = $2 AND subject = $3 AND key = $4`,
          [...caller, key],
        )) as { operation: string; hash: string; resultId: string }[];
        if (!previous) throw new Error('idempotency key vanished between insert and read');
        if (previous.operation !== operation || previous.hash !== hash) {
          throw DomainError.badUserInput('This idempotencyKey was already used with a different request', 'idempotencyKey');
        }
        return previous.resultId;
      }
    }
    const id = await work(tx);
    if (key) {
      await tx.query('UPDATE elexon.idempotency_keys SET result_id = $5 WHERE organisation_id = $1 AND principal_kind = $2 AND subject = $3 AND key = $4', [
        ...caller,
        key,
        id,
      ]);
    }
    return id;
  });
}
