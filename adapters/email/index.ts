/**
 * The email bridge's public surface, and its configuration from the environment:
 *
 * | variable | meaning | default (development) |
 * | --- | --- | --- |
 * | `SMTP_HOST`, `SMTP_PORT` | the outbound relay | 127.0.0.1, 2525 |
 * | `SMTP_SECURE` | `true`: TLS from the first byte (465); otherwise STARTTLS when offered | false |
 * | `SMTP_REQUIRE_TLS` | `true`: refuse to send without STARTTLS | true in production |
 * | `SMTP_USER`, `SMTP_PASS_ENV` | SMTP AUTH user, and the NAME of the variable holding the password | none |
 * | `EMAIL_FROM`, `EMAIL_REPLY_TO` | From and Reply-To of CPSD emails | `CPSD <cpsd@cpsd.example>`, `replies@cpsd.example` |
 * | `EMAIL_INBOUND_PORT`, `EMAIL_INBOUND_HOST` | where the reply receiver listens; unset: no receiver | unset |
 *
 * In development with no `SMTP_HOST`, nothing is sent: each email is written as `<data folder>/mail/<delivery id>.eml`
 * (open it in any mail client), so `npm start` shows what every desk and raiser would get without a relay.
 */
import path from 'node:path';
import { emailBridge, type EmailBridge } from './bridge';

export { EmailBridge, emailBridge, addressOf, type EmailBridgeOptions } from './bridge';
export { composeEmail, type ComposedEmail } from './compose';
export { extractReplyText, isAutomatic } from './reply';
export { handleInboundMail, startEmailReceiver, type EmailInboundOptions, type InboundVerdict } from './receiver';
export { DIRECTORY_IDENTITY, DirectorySenders, NominatedSenders, mailboxDesksFromApi, mailboxDesksOf, type MailboxDesk } from './senders';
export { classifySmtpError, buildMessage, type SmtpSettings } from './smtp';
export { caseThreadId, deliveryMessageId, findCaseReference } from './thread';

export function emailBridgeFromEnv(config: { dev: boolean; env: Record<string, string | undefined>; publicUrl?: string; dataDir?: string }): EmailBridge {
  const env = config.env;
  const dropDir = config.dev && !env.SMTP_HOST && config.dataDir ? path.join(config.dataDir, 'mail') : null;
  const replyTo = env.EMAIL_REPLY_TO ?? 'replies@cpsd.example';
  const inboundPort = env.EMAIL_INBOUND_PORT ? Number(env.EMAIL_INBOUND_PORT) : null;
  return emailBridge({
    smtp: {
      host: env.SMTP_HOST ?? '127.0.0.1',
      port: Number(env.SMTP_PORT ?? 2525),
      secure: env.SMTP_SECURE === 'true',
      requireTLS: env.SMTP_REQUIRE_TLS ? env.SMTP_REQUIRE_TLS === 'true' : !config.dev,
      ...(env.SMTP_USER ? { auth: { user: env.SMTP_USER, passEnv: env.SMTP_PASS_ENV ?? 'SMTP_PASSWORD' } } : {}),
    },
    from: env.EMAIL_FROM ?? 'CPSD <cpsd@cpsd.example>',
    replyTo,
    portalBaseUrl: config.publicUrl ?? null,
    env,
    ...(dropDir ? { dropDir } : {}),
    ...(inboundPort !== null && Number.isInteger(inboundPort)
      ? {
          inbound: {
            host: env.EMAIL_INBOUND_HOST ?? '127.0.0.1',
            port: inboundPort,
            addresses: [replyTo.replace(/^.*<([^>]+)>\s*$/, '$1')],
            senders: { fromApi: true },
          },
        }
      : {}),
  });
}
