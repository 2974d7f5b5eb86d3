/**
 * Structured logging (pino). Nothing a client sent reaches a log line: errors are logged by their safe fields only
 * (never a failed query's SQL or parameters), tokens and free-text fields are redacted, and MPANs are masked before
 * anything is written.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino from 'pino';
import { isValidMpan, maskMpan } from '../schema/mpan';
import { correlationId } from './correlation';

const REDACT = [
  'req.headers.authorization',
  'req.headers["x-cpsd-identity"]',
  'headers.authorization',
  'headers["x-cpsd-identity"]',
  'token',
  'identityToken',
  '*.token',
  '*.password',
  // A second layer under the error serializer: whatever logs a query's values or a request's text by mistake.
  'parameters',
  '*.parameters',
  'variables',
  '*.variables',
  'description',
  '*.description',
  'body',
  '*.body',
];

/** Masks every MPAN in a log line, keeping its distributor id, length and separators ("12***********"). */
export function maskMpansInLog(line: string): string {
  // Only what is an MPAN (a known distributor id and the check digit): a migration's timestamp, an epoch time or a
  // phone number stays readable.
  return maskMpan(line, isValidMpan);
}

/**
 * Database and driver messages quote the offending value (`invalid input syntax for type uuid: "…"`, `Key (subject)=(…)`):
 * the quoted parts go, the sentence stays.
 */
function withoutQuotedValues(message: string): string {
  return message
    .replace(/"[^"]*"/g, '"…"')
    .replace(/'[^']*'/g, "'…'")
    .replace(/=\([^)]*\)/g, '=(…)');
}

type SafeError = { type: string; message: string; code?: string; table?: string; constraint?: string; column?: string; stack?: string };

/**
 * What a logged error may carry: its type, message (quoted values removed), SQLSTATE or error code, the table and
 * constraint a database error names, and the stack frames. Not the enumerable extras pino's default serializer
 * copies — a TypeORM QueryFailedError's `query`, `parameters` and `driverError` hold the SQL and everything a client
 * sent — nor a cause chain that could hold them again.
 */
export function safeError(error: unknown): SafeError | unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? { type: 'string', message: withoutQuotedValues(error) } : error;
  const source = error as Error & { code?: unknown; table?: unknown; constraint?: unknown; column?: unknown; driverError?: Record<string, unknown> };
  const driver = source.driverError ?? {};
  const pick = (name: 'code' | 'table' | 'constraint' | 'column'): string | undefined => {
    const value = source[name] ?? driver[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  };
  const safe: SafeError = { type: error.name || error.constructor?.name || 'Error', message: withoutQuotedValues(error.message) };
  for (const name of ['code', 'table', 'constraint', 'column'] as const) {
    const value = pick(name);
    if (value !== undefined) safe[name] = value;
  }
  // The first stack line repeats the raw message; the frames are code locations only.
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line));
  if (frames?.length) safe.stack = frames.join('\n');
  return safe;
}

/** `trace_id` and `span_id` (the OpenTelemetry log field names) of the active span, when there is one. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

/** Where log lines go: stdout, unless a test captures them (captureLogs). */
let destination: { write(line: string): unknown } = pino.destination(1);

export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: safeError, error: safeError },
    hooks: {
      // The last line of defence: no MPAN reaches a log line, whatever field carried it.
      streamWrite: (line) => maskMpansInLog(line),
    },
    // The request's or event's correlation id (platform/correlation.ts), and the active span's ids
    // (platform/tracing.ts), so a line leads to its request and its trace; no span ids when tracing is off.
    mixin: () => {
      const correlation = correlationId();
      return correlation ? { correlation_id: correlation, ...traceFields() } : traceFields();
    },
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { service: process.env.CPSD_SERVICE ?? 'cpsd' },
  },
  { write: (line: string) => destination.write(line) },
);

export type Logger = typeof logger;

export interface CapturedLogs {
  /** Every line written since the capture started, exactly as it would have reached stdout. */
  text(): string;
  stop(): void;
}

/**
 * A test hook: sends the product's log lines (at `level`, default info) to memory instead of stdout, after every
 * redaction and mask, so a test can read exactly what an operator would.
 */
export function captureLogs(level: pino.LevelWithSilent = 'info'): CapturedLogs {
  const previous = { destination, level: logger.level };
  const lines: string[] = [];
  destination = { write: (line: string) => lines.push(line) };
  logger.level = level;
  return {
    text: () => lines.join(''),
    stop: () => {
      destination = previous.destination;
      logger.level = previous.level;
    },
  };
}
