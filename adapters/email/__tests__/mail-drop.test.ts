/**
 * Development without a relay (`npm start`, no SMTP_HOST): each email is written once per delivery as an .eml file
 * under the data folder instead of failing to reach 127.0.0.1:2525 and filling the dead letters; production never
 * writes mail to disk.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContactMethodKind } from '../../../schema/enums';
import { sampleDelivery } from '../../conformance';
import { emailBridgeFromEnv } from '..';

const dataDir = mkdtempSync(path.join(tmpdir(), 'cpsd-mail-drop-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const target = {
  deskId: 'dcc-switching',
  deskName: 'Switching Service Desk',
  contactMethod: { kind: ContactMethodKind.SHARED_MAILBOX, address: 'switching@dcc.example' },
  config: {},
};

describe('the development mail folder', () => {
  it('writes each delivery once as an .eml a mail client opens, and calls it delivered', async () => {
    const bridge = emailBridgeFromEnv({ dev: true, env: {}, dataDir });
    const delivery = sampleDelivery(target, { event: { caseReference: 'CPSD-000123', data: { state: 'OPEN', subject: 'Registration stuck for a site' } } });
    const signal = new AbortController().signal;
    expect(await bridge.deliver(delivery, signal)).toMatchObject({ kind: 'DELIVERED' });
    expect(await bridge.deliver(delivery, signal)).toMatchObject({ kind: 'DELIVERED' });
    const files = readdirSync(path.join(dataDir, 'mail'));
    expect(files).toEqual([`${delivery.deliveryId}.eml`]);
    const raw = readFileSync(path.join(dataDir, 'mail', files[0]!), 'utf8');
    expect(raw).toMatch(/^To: switching@dcc\.example$/m);
    expect(raw).toMatch(/^Subject: \[CPSD-000123\]/m);
    expect(raw).toMatch(/^Message-ID: </m);
  });

  it('is not used with an SMTP_HOST, nor in production', async () => {
    const signal = new AbortController().signal;
    const other = mkdtempSync(path.join(tmpdir(), 'cpsd-mail-drop-'));
    try {
      for (const config of [
        { dev: true, env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: '9' }, dataDir: other },
        { dev: false, env: { SMTP_PORT: '9' }, dataDir: other },
      ]) {
        const outcome = await emailBridgeFromEnv(config).deliver(sampleDelivery(target), signal);
        expect(outcome.kind).toBe('RETRY');
      }
      expect(readdirSync(other)).toEqual([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
