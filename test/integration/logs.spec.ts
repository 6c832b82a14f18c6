/**
 * The processes' logs: one JSON object per line, a request id on every line a request causes —
 * in the manager and, through the RPC, in the controller — in the response's header and in every
 * error body; no credential written.
 */
import { ConfigError } from '@stratos/contracts';
import { logOptionsFromEnv } from '@stratos/runtime';
import { collectLogs } from '../support/logs';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';

describe('logs', () => {
  let platform: TestPlatform;
  const manager = collectLogs();
  const controller = collectLogs();

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', logs: { manager, controller } });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('carries the caller’s request id from the HTTP request through the RPC to the controller', async () => {
    const response = await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'logged' }), headers: { 'x-request-id': 'deploy-42.a' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('deploy-42.a');

    await until('the request line is written', async () => manager.lines.some((l) => l.reqId === 'deploy-42.a' && l.msg === 'request completed'));
    const completed = manager.lines.find((l) => l.reqId === 'deploy-42.a' && l.msg === 'request completed')!;
    expect(completed).toMatchObject({ level: 'info', name: 'stratos-manager', req: { method: 'POST', url: '/api/cartridges' }, res: { statusCode: 201 } });
    expect(typeof completed.time).toBe('string');
    await until('the controller logs the RPC with the same id', async () => controller.lines.some((l) => l.reqId === 'deploy-42.a' && l.pattern === 'stratos/cc/cartridges/create'));
  });

  it('gives every request an id, also in every error body, from the first middleware to the last', async () => {
    const refusedJson = await platform.api('POST', '/cartridges', { raw: '{"type": ', headers: { 'content-type': 'application/json' } });
    expect(refusedJson.status).toBe(400);
    const id = refusedJson.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((refusedJson.body as { requestId: string }).requestId).toBe(id);

    const invalid = await platform.api('POST', '/cartridges', { body: { type: 'x' } });
    expect(invalid.status).toBe(400);
    expect((invalid.body as { requestId: string }).requestId).toBe(invalid.headers.get('x-request-id'));

    // A header that would be a log-injection vector is not taken.
    const forged = await platform.api('GET', '/cartridges/none', { headers: { 'x-request-id': 'a b;c' } });
    expect(forged.status).toBe(404);
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((forged.body as { requestId: string }).requestId).toBe(forged.headers.get('x-request-id'));
  });

  it('writes no password and no token', async () => {
    const password = 'not-the-password-7f3a9';
    await platform.api('POST', '/tokens', { token: null, body: { username: 'admin', password } });
    await platform.api('GET', '/cartridges', { headers: { 'x-request-id': 'with-token' } });
    await until('both requests are logged', async () => manager.lines.filter((l) => l.msg === 'request completed').length >= 2 && manager.lines.some((l) => l.reqId === 'with-token'));
    const all = manager.text() + controller.text();
    expect(all).not.toContain(password);
    expect(all).not.toContain(platform.adminToken);
    expect(all).not.toMatch(/authorization/i);
  });

  it('takes LOG_LEVEL and LOG_FORMAT from the environment, and names the allowed values of a bad one', () => {
    expect(logOptionsFromEnv({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' })).toEqual({ level: 'debug', format: 'json' });
    expect(() => logOptionsFromEnv({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => logOptionsFromEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL.*fatal, error, warn, info, debug, trace, silent/);
    expect(() => logOptionsFromEnv({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT.*json, pretty/);
  });
});
