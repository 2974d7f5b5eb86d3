/**
 * Notification preferences through the API: a person says which kinds of notice reach them and where (email, or a
 * webhook such as a Teams or Slack incoming webhook, signed like every CPSD webhook); an organisation does the same
 * for its own tooling. Every later event follows the preferences as they are when it is fanned out.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { checkOutboundUrl, outboundPolicy, resolveOutboundUrl } from '../../adapters/outbound-url';
import { normaliseEmail } from '../../schema/email';
import { DomainError } from '../../schema/errors';
import type { Principal } from '../../schema/identity';
import type { SubgraphContext } from '../../platform/context';
import { loadConfig } from '../../platform/config';
import { WEBHOOK_ENDPOINT_PREFIX } from './recipients';

export enum NotificationKind {
  /** The case was received, with its reference (OM §3.1). */
  ACKNOWLEDGEMENT = 'ACKNOWLEDGEMENT',
  /** Triaged, transferred, on hold, resumed, reopened, withdrawn. */
  STATE_CHANGE = 'STATE_CHANGE',
  /** A customer-visible comment from the desk (never a work note). */
  COMMENT = 'COMMENT',
  /** Resolved, with links to confirm or reopen. */
  RESOLUTION = 'RESOLUTION',
  /** A day before a resolved case closes by itself (OM §10.3). */
  AUTO_CLOSE_REMINDER = 'AUTO_CLOSE_REMINDER',
  CLOSURE = 'CLOSURE',
}
registerEnumType(NotificationKind, { name: 'NotificationKind', description: 'What a raiser and their organisation may hear of a case' });
export const ALL_KINDS = Object.values(NotificationKind);
/** A digest at most every quarter of an hour, at least once a week. */
export const DIGEST_MIN_MINUTES = 15;
export const DIGEST_MAX_MINUTES = 7 * 24 * 60;

export enum NotificationChannel {
  EMAIL = 'EMAIL',
  WEBHOOK = 'WEBHOOK',
}
registerEnumType(NotificationChannel, { name: 'NotificationChannel' });

export enum PreferenceScope {
  PERSONAL = 'PERSONAL',
  ORGANISATION = 'ORGANISATION',
}
registerEnumType(PreferenceScope, { name: 'NotificationPreferenceScope', description: 'Yours alone, or your organisation’s (its own tooling)' });

@ObjectType('NotificationPreference')
export class NotificationPreference {
  @Field(() => ID)
  id!: string;

  @Field(() => PreferenceScope)
  scope!: PreferenceScope;

  @Field(() => NotificationChannel)
  channel!: NotificationChannel;

  @Field(() => String, { description: 'The e-mail address or webhook URL' })
  address!: string;

  @Field(() => [NotificationKind], { description: 'Empty: nothing through this channel' })
  kinds!: NotificationKind[];

  @Field(() => Int, { nullable: true, description: 'One digest every so many minutes instead of one message a notice; null: each at once' })
  digestEveryMinutes!: number | null;

  @Field(() => Int, { description: 'Notices waiting for the next digest' })
  digestWaiting!: number;

  @Field(() => Date, { nullable: true, description: 'When the waiting notices go out as a digest (within a minute after)' })
  nextDigestAt!: Date | null;

  @Field(() => Date)
  updatedAt!: Date;
}

@InputType('NotificationPreferenceInput')
export class NotificationPreferenceInput {
  @Field(() => PreferenceScope, { defaultValue: PreferenceScope.PERSONAL })
  scope!: PreferenceScope;

  @Field(() => NotificationChannel)
  channel!: NotificationChannel;

  @Field(() => String)
  address!: string;

  @Field(() => [NotificationKind])
  kinds!: NotificationKind[];

  @Field(() => Int, {
    nullable: true,
    description: `Gather the notices into one digest every so many minutes (${DIGEST_MIN_MINUTES}–${DIGEST_MAX_MINUTES}); omitted or null: each notice at once`,
  })
  digestEveryMinutes?: number | null;
}

export interface PreferenceRow {
  id: string;
  subject: string | null;
  channel: NotificationChannel;
  address: string;
  kinds: NotificationKind[];
  digestEveryMinutes: number | null;
  updatedAt: Date;
}

const COLUMNS = 'id, subject, channel, address, kinds, digest_minutes AS "digestEveryMinutes", updated_at AS "updatedAt"';
/** The most rows one person or organisation keeps. */
const MAX_ROWS = 20;

type ViewRow = PreferenceRow & { digestWaiting: number; nextDigestAt: Date | null };

function toView(row: ViewRow): NotificationPreference {
  return Object.assign(new NotificationPreference(), { ...row, scope: row.subject === null ? PreferenceScope.ORGANISATION : PreferenceScope.PERSONAL });
}

/** The caller's own and their organisation's preferences (or one of them), with what waits for each one's digest. */
async function viewsOf(db: DataSource, organisationId: string, subject: string, id?: string): Promise<NotificationPreference[]> {
  const rows = (await db.query(
    `SELECT ${COLUMNS.split(', ')
      .map((c) => `p.${c}`)
      .join(', ')}, coalesce(w.waiting, 0)::int AS "digestWaiting",
            CASE WHEN w.waiting > 0 THEN coalesce(p.last_digest_at, w.oldest) + make_interval(mins => coalesce(p.digest_minutes, 0)) END AS "nextDigestAt"
       FROM delivery.notification_preferences p
       LEFT JOIN LATERAL (SELECT count(*) AS waiting, min(occurred_at) AS oldest FROM delivery.notification_digest_items i
                           WHERE i.preference_id = p.id AND i.digest_id IS NULL) w ON true
      WHERE p.organisation_id = $1 AND (p.subject IS NULL OR p.subject = $2) AND ($3::uuid IS NULL OR p.id = $3::uuid)
      ORDER BY p.subject NULLS LAST, p.channel, p.address`,
    [organisationId, subject, id ?? null],
  )) as ViewRow[];
  return rows.map(toView);
}

/** The preferences that decide who hears of a case raised by `subject` of `organisationId`. */
export async function preferencesFor(db: DataSource, organisationId: string, subject: string): Promise<PreferenceRow[]> {
  return (await db.query(`SELECT ${COLUMNS} FROM delivery.notification_preferences WHERE organisation_id = $1 AND (subject IS NULL OR subject = $2)`, [
    organisationId,
    subject,
  ])) as PreferenceRow[];
}

/** A webhook endpoint's key: stable per (organisation, URL), so retries and order follow one endpoint. */
export function webhookEndpointId(organisationId: string, url: string): string {
  return `${WEBHOOK_ENDPOINT_PREFIX}${organisationId}:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

async function checkedAddress(input: NotificationPreferenceInput): Promise<string> {
  if (input.channel === NotificationChannel.EMAIL) return normaliseEmail(input.address, 'input.address');
  const config = loadConfig();
  const policy = outboundPolicy(config.dev, process.env);
  const quick = checkOutboundUrl(input.address, policy, 'address');
  if ('refused' in quick) throw DomainError.badUserInput(quick.refused, 'input.address');
  // After DNS too: a public name that resolves to a private or link-local address is refused here, not at send time.
  const resolved = await resolveOutboundUrl(input.address, policy, 'address');
  if ('refused' in resolved) throw DomainError.badUserInput(resolved.refused, 'input.address');
  return resolved.url.toString();
}

function checkedKinds(kinds: readonly string[] | null | undefined): NotificationKind[] {
  const list = [...new Set(kinds ?? [])];
  const unknown = list.filter((kind) => !(ALL_KINDS as string[]).includes(kind));
  if (unknown.length) throw DomainError.badUserInput(`Unknown notification kind ${unknown.join(', ')}`, 'input.kinds');
  return list as NotificationKind[];
}

function checkedDigest(minutes: number | null | undefined): number | null {
  if (minutes === null || minutes === undefined) return null;
  if (!Number.isInteger(minutes) || minutes < DIGEST_MIN_MINUTES || minutes > DIGEST_MAX_MINUTES) {
    throw DomainError.badUserInput(
      `A digest period is a whole number of minutes from ${DIGEST_MIN_MINUTES} to ${DIGEST_MAX_MINUTES} (a week), got ${minutes}`,
      'input.digestEveryMinutes',
    );
  }
  return minutes;
}

const ownerOf = (principal: Principal, scope: PreferenceScope) => ({
  organisationId: principal.organisationId,
  subject: scope === PreferenceScope.PERSONAL ? principal.subject : null,
});

@Resolver(() => NotificationPreference)
export class NotificationPreferenceResolver {
  @Query(() => [NotificationPreference], { description: 'Your own notification preferences and your organisation’s' })
  async notificationPreferences(@Ctx() ctx: SubgraphContext): Promise<NotificationPreference[]> {
    return viewsOf(ctx.db, ctx.principal.organisationId, ctx.principal.subject);
  }

  @Mutation(() => NotificationPreference, {
    description: 'Which notices reach you (or your organisation) through a channel; applies to every later event. Safe to repeat.',
  })
  async setNotificationPreference(
    @Ctx() ctx: SubgraphContext,
    @Arg('input', () => NotificationPreferenceInput) input: NotificationPreferenceInput,
  ): Promise<NotificationPreference> {
    if (ctx.principal.kind !== 'USER') throw DomainError.forbidden('Notification preferences belong to people and their organisations');
    const kinds = checkedKinds(input.kinds);
    const digestMinutes = checkedDigest(input.digestEveryMinutes);
    const address = await checkedAddress(input);
    const owner = ownerOf(ctx.principal, input.scope);
    const saved = await ctx.db.transaction(async (tx) => {
      const [{ count }] = (await tx.query(
        `SELECT count(*)::int AS count FROM delivery.notification_preferences WHERE organisation_id = $1 AND subject IS NOT DISTINCT FROM $2`,
        [owner.organisationId, owner.subject],
      )) as [{ count: number }];
      const rows = (await tx.query(
        `INSERT INTO delivery.notification_preferences (id, organisation_id, subject, channel, address, kinds, digest_minutes, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6::text[], $7::int, $8)
         ON CONFLICT (organisation_id, COALESCE(subject, ''), channel, address)
         DO UPDATE SET kinds = EXCLUDED.kinds, digest_minutes = EXCLUDED.digest_minutes, updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
        [randomUUID(), owner.organisationId, owner.subject, input.channel, address, kinds, digestMinutes, ctx.principal.subject],
      )) as (PreferenceRow & { inserted: boolean })[];
      const row = rows[0];
      if (!row) throw new Error('setNotificationPreference: the upsert returned nothing');
      if (row.inserted && count >= MAX_ROWS) throw DomainError.badUserInput(`At most ${MAX_ROWS} preferences each`, 'input.address');
      return row;
    });
    const [view] = await viewsOf(ctx.db, owner.organisationId, ctx.principal.subject, saved.id);
    if (!view) throw new Error('setNotificationPreference: the saved preference is not there');
    return view;
  }

  @Mutation(() => Boolean, { description: 'Remove one of your (or your organisation’s) preferences' })
  async removeNotificationPreference(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw DomainError.notFound('Notification preference');
    const [rows] = (await ctx.db.query(
      `DELETE FROM delivery.notification_preferences WHERE id = $1 AND organisation_id = $2 AND (subject IS NULL OR subject = $3) RETURNING id`,
      [id, ctx.principal.organisationId, ctx.principal.subject],
    )) as [unknown[], number];
    if (!rows.length) throw DomainError.notFound('Notification preference');
    return true;
  }
}
