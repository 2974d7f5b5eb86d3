/** Structured logging (pino) with tokens redacted and MPANs masked before anything is written. */
import pino from 'pino';
import { maskMpan } from '../schema/mpan';

const REDACT = [
  'req.headers.authorization',
  'req.headers["x-cpsd-identity"]',
  'headers.authorization',
  'headers["x-cpsd-identity"]',
  'token',
  'identityToken',
  '*.token',
  '*.password',
];

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  redact: { paths: REDACT, censor: '[redacted]' },
  hooks: {
    // The last line of defence: no MPAN-shaped digit run reaches a log line, whatever field carried it.
    streamWrite: (line) => maskMpan(line),
  },
  // ISO time: an epoch-milliseconds timestamp is 13 digits and would be masked as if it were an MPAN.
  timestamp: pino.stdTimeFunctions.isoTime,
  base: { service: process.env.CPSD_SERVICE ?? 'cpsd' },
});

export type Logger = typeof logger;
