/**
 * The spine, on real parts: REST → manager → MQTT → controller → PostgreSQL → topology event,
 * against aedes and against Mosquitto.
 */
import { availableBrokers } from '../support/brokers';
import { rowCounts } from '../support/databases';
import { sleep, startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';

describe.each(availableBrokers())('cartridges over %s', (broker) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker, rpcTimeoutMs: 3000 }); // the hung-controller test counts on it
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('creates, reads, lists, updates and removes a cartridge, publishing one event per change', async () => {
    const watch = await platform.watchEvents();
    const created = await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'crud', multiTenant: 'false' }) });
    expect(created.status).toBe(201);
    expect(created.body.warnings).toEqual([{ path: '/multiTenant', message: 'string "false" read as the boolean false' }]);
    expect(created.body.cartridge).toMatchObject({ type: 'crud', multiTenant: false, status: { generation: 1 } });
    expect(created.body.cartridge.status.providers).toEqual([
      { type: 'docker', driver: 'docker', imageVerified: false, note: 'the docker driver is not installed in this controller yet: image "stratos/php:8.3" unverified' },
    ]);

    const got = await platform.api('GET', '/cartridges/crud');
    expect(got.status).toBe(200);
    expect(got.body.portMapping).toEqual([{ name: 'http', protocol: 'http', port: 8080, proxyPort: 8280 }]);

    const listed = await platform.api('GET', '/cartridges?category=framework');
    expect(listed.status).toBe(200);
    expect(listed.body.map((c: { type: string }) => c.type)).toContain('crud');
    expect(Number(listed.headers.get('x-total-count'))).toBeGreaterThanOrEqual(1);
    expect((await platform.api('GET', '/cartridges?category=nothing-here')).body).toEqual([]);

    const updated = await platform.api('PUT', '/cartridges/crud', { body: { ...got.body, description: 'v2' } });
    expect(updated.status).toBe(200);
    expect(updated.body.cartridge).toMatchObject({ description: 'v2', status: { generation: 2 } });

    expect((await platform.api('DELETE', '/cartridges/crud')).status).toBe(200);
    expect((await platform.api('GET', '/cartridges/crud')).status).toBe(404);

    await waitFor(() => watch.events.filter((e) => e.payload.serviceName === 'crud').length === 3);
    const mine = watch.events.filter((e) => e.payload.serviceName === 'crud');
    expect(mine.map((e) => e.type)).toEqual(['ServiceCreated', 'ServiceUpdated', 'ServiceRemoved']);
    expect(mine[1].revision).toBe(mine[0].revision + 1);
    expect(mine[2].revision).toBe(mine[1].revision + 1);
    expect(new Set(mine.map((e) => e.eventId)).size).toBe(3);
    await watch.close();
  });

  it('lists a category a page at a time, by type, with the total on every page', async () => {
    for (const type of ['page-c', 'page-a', 'page-b']) expect((await platform.api('POST', '/cartridges', { body: aCartridge({ type, category: `paged-${broker}` }) })).status).toBe(201);
    const page = async (query: string) => {
      const listed = await platform.api('GET', `/cartridges?category=paged-${broker}&${query}`);
      expect(listed.status).toBe(200);
      return { types: (listed.body as { type: string }[]).map((c) => c.type), total: Number(listed.headers.get('x-total-count')) };
    };
    expect(await page('limit=2')).toEqual({ types: ['page-a', 'page-b'], total: 3 });
    expect(await page('limit=2&offset=2')).toEqual({ types: ['page-c'], total: 3 });
    expect(await page('offset=5')).toEqual({ types: [], total: 3 });
    expect((await platform.api('GET', '/cartridges?category=nothing-here')).headers.get('x-total-count')).toBe('0');
  });

  it('never returns, publishes or stores in events a secret; a PUT of the redacted GET keeps it', async () => {
    const watch = await platform.watchEvents();
    const created = await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'secretive' }) });
    expect(created.status).toBe(201);
    const got = await platform.api('GET', '/cartridges/secretive');
    const updated = await platform.api('PUT', '/cartridges/secretive', { body: got.body });
    expect(updated.status).toBe(200);
    await waitFor(() => watch.events.filter((e) => e.payload.serviceName === 'secretive').length === 2);
    const seen = JSON.stringify([created.body, got.body, updated.body, watch.events]);
    expect(seen).not.toContain('registry-secret-value');
    expect(seen).not.toContain('mb-secret-value');
    expect(got.body.iaasProvider[0].credential).toBe('******');
    const stored = await platform.manager.database.cartridges.find('secretive');
    expect(stored!.definition.iaasProvider[0].credential).toBe('registry-secret-value');
    await watch.close();
  });

  describe('refuses bad input with a 4xx naming the path, writing and publishing nothing', () => {
    const cases: [string, { method: string; path: string; body?: unknown; raw?: string; strict?: boolean }, number, unknown][] = [
      ['malformed JSON', { method: 'POST', path: '/cartridges', raw: '{\n  "type": "x",\n}' }, 400, expect.stringMatching(/^malformed JSON at line 3, column 1/)],
      ['an array body', { method: 'POST', path: '/cartridges', body: [aCartridge()] }, 400, [{ path: '', message: 'must be a JSON object, not array' }]],
      ['a scalar body', { method: 'POST', path: '/cartridges', raw: '"php"' }, 400, [{ path: '', message: 'must be a JSON object, not string' }]],
      ['a missing type', { method: 'POST', path: '/cartridges', body: aCartridge({ type: undefined }) }, 400, [{ path: '/type', message: 'is required' }]],
      ['a missing category', { method: 'POST', path: '/cartridges', body: aCartridge({ category: undefined }) }, 400, [{ path: '/category', message: 'is required' }]],
      ['a missing provider', { method: 'POST', path: '/cartridges', body: aCartridge({ provider: undefined }) }, 400, [{ path: '/provider', message: 'is required' }]],
      ['a missing iaasProvider', { method: 'POST', path: '/cartridges', body: aCartridge({ iaasProvider: undefined }) }, 400, [{ path: '/iaasProvider', message: 'is required' }]],
      [
        'a wrong loadBalancingIPType',
        { method: 'POST', path: '/cartridges', body: aCartridge({ loadBalancingIPType: 'elastic' }) },
        400,
        [{ path: '/loadBalancingIPType', message: 'must be one of "public", "private"', allowed: ['public', 'private'] }],
      ],
      [
        'a wrong kubernetesPortType',
        { method: 'POST', path: '/cartridges', body: aCartridge({ portMapping: [{ protocol: 'http', port: 80, kubernetesPortType: 'Ingress' }] }) },
        400,
        [{ path: '/portMapping/0/kubernetesPortType', message: 'must be one of "NodePort", "ClusterIP"', allowed: ['NodePort', 'ClusterIP'] }],
      ],
      ['a port of 70000', { method: 'POST', path: '/cartridges', body: aCartridge({ portMapping: [{ protocol: 'http', port: 70000 }] }) }, 400, [{ path: '/portMapping/0/port', message: 'must be <= 65535' }]],
      ['an empty iaasProvider', { method: 'POST', path: '/cartridges', body: aCartridge({ iaasProvider: [] }) }, 400, [{ path: '/iaasProvider', message: 'must have at least 1 item' }]],
      ['a coerced value under ?strict=true', { method: 'POST', path: '/cartridges?strict=true', body: aCartridge({ multiTenant: 'false' }) }, 400, [{ path: '/multiTenant', message: 'string "false" read as the boolean false (strict mode refuses it)' }]],
      ['an update whose body names another type', { method: 'PUT', path: '/cartridges/existing', body: aCartridge({ type: 'other' }) }, 400, [{ path: '/type', message: 'must be "existing", the type in the path (a cartridge cannot be renamed)' }]],
      ['an update of a type that does not exist', { method: 'PUT', path: '/cartridges/ghost', body: aCartridge({ type: 'ghost' }) }, 404, []],
      ['a removal of a type that does not exist', { method: 'DELETE', path: '/cartridges/ghost' }, 404, []],
      ['a duplicate type', { method: 'POST', path: '/cartridges', body: aCartridge({ type: 'existing' }) }, 409, [{ path: '/type', message: '"existing" is taken' }]],
    ];

    beforeAll(async () => {
      expect((await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'existing' }) })).status).toBe(201);
    });

    it.each(cases)('%s', async (_name, request, status, detail) => {
      const before = await rowCounts(platform.databaseUrl);
      const watch = await platform.watchEvents();
      const response = await platform.api(request.method, request.path, { body: request.body, raw: request.raw });
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
      if (typeof detail === 'string' || (detail && !Array.isArray(detail))) expect(response.body.message).toEqual(detail);
      else expect(response.body.errors).toEqual(detail);
      // Events leave through the topology_events outbox, written in the change's transaction: no new
      // row there (rowCounts) means none can be published later. The watch is the belt to those braces.
      expect(await rowCounts(platform.databaseUrl)).toEqual(before);
      expect(watch.events).toEqual([]);
      await watch.close();
    });

    it('answers a 10 MB body with 413 and writes nothing', async () => {
      const before = await rowCounts(platform.databaseUrl);
      const response = await platform.api('POST', '/cartridges', { body: aCartridge({ description: 'x'.repeat(10 * 1024 * 1024) }) });
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(await rowCounts(platform.databaseUrl)).toEqual(before);
    });
  });

  describe('authentication', () => {
    it('needs a bearer token everywhere but health, schemas and token exchange', async () => {
      expect((await platform.api('GET', '/cartridges', { token: null })).status).toBe(401);
      expect((await platform.api('GET', '/cartridges', { token: 'stk_forged' })).status).toBe(401);
      expect((await platform.api('GET', '/health', { token: null })).status).toBe(200);
      const schema = await platform.api('GET', '/schemas/cartridge', { token: null });
      expect(schema.status).toBe(200);
      expect(schema.body.properties.type.pattern).toBe('^[a-zA-Z0-9-_]+$');
    });

    it('refuses wrong credentials with 401 and a non-admin write with 403', async () => {
      expect((await platform.api('POST', '/tokens', { body: { username: 'admin', password: 'wrong' }, token: null })).status).toBe(401);
      expect((await platform.api('POST', '/tokens', { body: {}, token: null })).body.errors).toEqual([
        { path: '/username', message: 'is required' },
        { path: '/password', message: 'is required' },
      ]);
      expect((await platform.api('POST', '/users', { body: { username: 'dev', password: 'dev-password', role: 'user' } })).status).toBe(201);
      const login = await platform.api('POST', '/tokens', { body: { username: 'dev', password: 'dev-password' }, token: null });
      const token = login.body.token as string;
      expect((await platform.api('GET', '/cartridges', { token })).status).toBe(200);
      const refused = await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'by-dev' }), token });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe('this needs the admin role; "dev" has the role "user"');
    });

    it('stores the admin password hashed', async () => {
      const admin = await platform.manager.database.users.findByUsername('admin');
      expect(admin!.passwordHash).toMatch(/^scrypt\$16384\$8\$5\$/);
    });
  });

  it('serves Swagger UI at /api/docs: the page and every file it loads, without a token', async () => {
    const page = await fetch(`${platform.url}/api/docs`);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const named = [...(await page.text()).matchAll(/(?:href|src)="([^"]+)"/g)].map(([, path]) => path);
    expect(named).toEqual(expect.arrayContaining(['/api/docs/swagger-ui-bundle.js', '/api/docs/swagger-initializer.js']));
    for (const path of named) expect([path, (await fetch(`${platform.url}${path}`)).status]).toEqual([path, 200]);
  });

  it('serves the OpenAPI document, in which every operation says how it fails: an ErrorBody, which real errors are', async () => {
    const response = await fetch(`${platform.url}/api/docs/json`);
    expect(response.status).toBe(200);
    type Operation = { security?: unknown[]; responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> };
    const document = (await response.json()) as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/cartridges', '/api/cartridges/{type}', '/api/tokens']));
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ at: `${method.toUpperCase()} ${path}`, operation })));
    expect(operations.length).toBeGreaterThan(40);
    const errorRef = (operation: Operation, status: string) => operation.responses[status]?.content?.['application/json']?.schema.$ref;
    expect(operations.filter(({ operation }) => errorRef(operation, 'default') !== '#/components/schemas/ErrorBody').map((o) => o.at)).toEqual([]);
    const secured = operations.filter(({ operation }) => (operation.security ?? []).length > 0);
    expect(secured.length).toBeGreaterThan(30);
    expect(secured.filter(({ operation }) => errorRef(operation, '401') !== '#/components/schemas/ErrorBody').map((o) => o.at)).toEqual([]);
    // Real error bodies are what the document says: a 400 with pointers, a 401, a 404.
    const { Ajv } = await import('ajv');
    const validate = new Ajv({ strict: false }).compile(document.components.schemas.ErrorBody);
    const bodies = [
      (await platform.api('POST', '/cartridges', { body: { type: 'bad type!' } })).body,
      (await platform.api('GET', '/cartridges', { token: 'not-a-token' })).body,
      (await platform.api('GET', '/cartridges/no-such-cartridge')).body,
    ];
    expect(bodies.map((b: { statusCode: number }) => b.statusCode)).toEqual([400, 401, 404]);
    for (const body of bodies) expect({ body, errors: validate(body) ? null : validate.errors }).toEqual({ body, errors: null });
  });

  it('gives 503 within seconds to writes while the controller is down, answers reads from the database, and recovers without a manager restart', async () => {
    await platform.stopController();
    const started = Date.now();
    const down = await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'while-down' }) });
    expect(down.status).toBe(503);
    expect(down.body.message).toMatch(/cloud controller/);
    expect(Date.now() - started).toBeLessThan(5000);
    // Reads need no controller: what it committed is in PostgreSQL.
    const read = await platform.api('GET', '/cartridges');
    expect(read.status).toBe(200);
    expect((read.body as { type: string }[]).map((c) => c.type)).not.toContain('while-down');
    await platform.startController();
    await waitFor(async () => (await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'after-down' }) })).status === 201);
    expect((await platform.api('GET', '/cartridges/while-down')).status).toBe(404);
  });

  it('gives 503 after the request timeout when the controller looks online but does not answer', async () => {
    await platform.stopController();
    const { default: mqtt } = await import('mqtt');
    const impostor = await mqtt.connectAsync(platform.broker.url);
    await impostor.publishAsync('stratos/cc/presence/impostor', JSON.stringify({ status: 'online' }), { qos: 1, retain: true });
    await until('the manager takes the impostor for a controller', async () => ((await platform.api('GET', '/health', { token: null })).body as { cloudController: string }).cloudController === 'up');
    const started = Date.now();
    const hung = await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'while-hung' }) });
    expect(hung.status).toBe(503);
    expect(hung.body.message).toBe('the cloud controller is unavailable (no answer within 3000 ms); retry later');
    expect(Date.now() - started).toBeLessThan(4500);
    await impostor.publishAsync('stratos/cc/presence/impostor', Buffer.alloc(0), { qos: 1, retain: true });
    await impostor.endAsync();
    await platform.startController();
    await waitFor(async () => (await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'after-hung' }) })).status === 201);
    expect((await platform.api('GET', '/cartridges/while-hung')).status).toBe(404); // the request the impostor swallowed was not done later
  });

  it('streams topology events as SSE and resumes after a revision', async () => {
    const first = await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'sse-1' }) });
    expect(first.status).toBe(201);
    const topology = await platform.api('GET', '/topology');
    const since = (topology.body.revision as number) - 1;
    const controller = new AbortController();
    const response = await fetch(`${platform.url}/api/topology/events?since=${since}`, { headers: { authorization: `Bearer ${platform.adminToken}` }, signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
    };
    await readUntil(/"serviceName":"sse-1"/);
    expect(text).toContain(`id: ${since + 1}\nevent: ServiceCreated`);
    await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'sse-2' }) });
    await readUntil(/"serviceName":"sse-2"/);
    expect(text).toContain(`id: ${since + 2}\nevent: ServiceCreated`);
    controller.abort();
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}
