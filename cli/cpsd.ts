/** The one CLI: `start` (everything on one machine), `service <name>` (one service per process), `token`, `supergraph`, `keys`. */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isRole, type Role } from '../schema/enums';
import { loadConfig, SUBGRAPH_NAMES, type SubgraphName } from '../platform/config';
import { generateIdentityKeyPair } from '../platform/identity-token';
import { logger } from '../platform/logger';
import { startTracing, stopTracing } from '../platform/tracing';
import { loadDevIssuer } from '../gateway/dev-issuer';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function start(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'no-demo': { type: 'boolean', default: false } } });
  // First, before the product loads pg (its instrumentation patches the module as it is required); off unless OTEL_* say.
  await startTracing({ service: 'cpsd' });
  const { startProduct } = await import('./product');
  const { ORGANISATIONS, DESKS } = await import('../demo/market');
  const { DEMO_WEEK } = await import('../demo/week');
  const { ensureDashboardBuilt } = await import('../web/build');
  if (await ensureDashboardBuilt({ quiet: true })) process.stdout.write('Built the dashboard (web/dist).\n');
  // Development: the inbound bridges (email replies, TMF621 API) run on fixed ports unless told otherwise.
  if (loadConfig().dev) {
    process.env.EMAIL_INBOUND_PORT ??= '2526';
    process.env.TMF621_PORT ??= '4010';
  }
  // Stops on Ctrl-C from the first moment: a signal while starting stops whatever has started, in reverse order.
  const { Lifecycle } = await import('../platform/lifecycle');
  const lifecycle = new Lifecycle();
  lifecycle.stopOnSignals();
  // Registered first, so it stops last: the spans of the shutdown are flushed too.
  lifecycle.onStop('traces', stopTracing);
  const product = await startProduct({ database: 'cpsd', lifecycle, demoWeek: values['no-demo'] ? null : DEMO_WEEK });
  const url = product.gateway.url;
  const lines = [
    '',
    `CPSD Gateway is running: ${url}`,
    `Dashboard: ${product.gateway.http.url}/dashboard/`,
    ...(product.inbound.email ? [`Email replies (SMTP): ${product.inbound.email.host}:${product.inbound.email.port}`] : []),
    ...(loadConfig().dev && !process.env.SMTP_HOST ? [`Emails (no SMTP_HOST set): written to ${path.join(loadConfig().dataDir, 'mail')}/ as .eml files`] : []),
    ...(product.inbound.tmf621 ? [`TMF621 API: ${product.inbound.tmf621.url}/troubleTicket`] : []),
    '',
    'Organisations (id — name):',
    ...ORGANISATIONS.slice(0, 12).map((o) => `  ${o.id.padEnd(22)} ${o.name}${o.parentId ? ` (child of ${o.parentId})` : ''}`),
    `  … ${ORGANISATIONS.length} in all: query { organisations { id name children { id } } }`,
    '',
    'Desks to try:',
    ...DESKS.slice(0, 6).map((d) => `  ${d.id.padEnd(22)} ${d.name}`),
    `  … ${DESKS.length} in all: query { desks { id name } }`,
    '',
    ...(product.demoWeek
      ? [`Seeded a demo week: ${product.demoWeek.cases} cases at several desks, major incident ${product.demoWeek.majorIncidentReference} in progress.`, '']
      : []),
    'Sign in on the dashboard as a demo user: Eve (Elexon desk agent) for the queue, Max (MI manager) for major incidents,',
    'Sally or Pat (Centrica, parent of British Gas) for their own cases, Ada (CPSD service manager) for reports.',
    '',
    'Get a development token and ask who you are:',
    '  TOKEN=$(npm run --silent token -- --sub alice --org ukpn --roles participant)',
    `  curl -s ${url} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `    -d '{"query":"{ me { subject organisation { name } visibleOrganisations { id } } }"}'`,
    '',
    'Stop with Ctrl-C (data is kept in .data/).',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

async function service(name: string | undefined): Promise<void> {
  if (!name || (name !== 'gateway' && !SUBGRAPH_NAMES.includes(name as SubgraphName))) {
    fail(`usage: npm run service -- <gateway|${SUBGRAPH_NAMES.join('|')}>`);
  }
  await startTracing({ service: `cpsd-${name}` });
  const { runService } = await import('./service');
  await runService(name as 'gateway' | SubgraphName);
}

async function token(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string' },
      org: { type: 'string' },
      roles: { type: 'string', default: 'participant' },
      desks: { type: 'string', default: '' },
      ttl: { type: 'string', default: String(8 * 3600) },
    },
  });
  if (!values.sub || !values.org)
    fail('usage: npm run --silent token -- --sub <user> --org <organisationId> --roles participant[,desk_agent] [--desks <deskId,…>] [--ttl <seconds>]');
  const roles = values.roles
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length) fail(`unknown role(s): ${unknown.join(', ')}`);
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) fail('--ttl must be a positive number of seconds');
  const config = loadConfig();
  if (config.jwt.jwksUrl) fail('JWKS_URL is set: tokens come from your identity provider, not from this command');
  const issuer = await loadDevIssuer(config.dataDir, config.jwt.issuer, config.jwt.audience);
  const jwt = await issuer.issue({
    sub: values.sub,
    org: values.org,
    roles: roles as Role[],
    desks: values.desks
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
    ttlSeconds,
  });
  process.stdout.write(`${jwt}\n`);
}

async function supergraph(argv: string[]): Promise<void> {
  const { composeSupergraph } = await import('./compose');
  const config = loadConfig();
  const composed = composeSupergraph();
  if (argv.includes('--check')) {
    const current = readFileSync(config.supergraphPath, 'utf8');
    if (current !== composed) fail(`${config.supergraphPath} is stale: run npm run supergraph`);
    process.stdout.write('supergraph is current\n');
    return;
  }
  writeFileSync(config.supergraphPath, composed);
  process.stdout.write(`wrote ${config.supergraphPath}\n`);
}

async function keys(): Promise<void> {
  const pair = await generateIdentityKeyPair();
  process.stdout.write(`IDENTITY_SIGNING_KEY='${JSON.stringify(pair.privateJwk)}'\nIDENTITY_VERIFICATION_KEY='${JSON.stringify(pair.publicJwk)}'\n`);
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, () => Promise<void>> = {
  start: () => start(rest),
  service: () => service(rest[0]),
  token: () => token(rest),
  supergraph: () => supergraph(rest),
  keys,
};
const run = command ? commands[command] : undefined;
if (!run) fail(`usage: cpsd <${Object.keys(commands).join('|')}>`);
run().catch((error: unknown) => {
  logger.fatal({ err: error }, 'failed');
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
