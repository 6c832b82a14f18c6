/**
 * `stratos import DIR --iaas FLAVOUR`: a whole Stratos samples folder, posted in Stratos's
 * order (autoscaling policies → network partitions → deployment policies → cartridges →
 * cartridge groups → application policies → applications), with a progress bar and a summary.
 */
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { definitionKinds, type DefinitionKindName, type FieldIssue } from '@stratos/contracts';
import { ApiError } from '../api-client';
import { hasBundleParts, packFolder } from '../bundle-folder';
import { apiClient, FileError, outputFormat, readJsonFile, UsageError, type GlobalOptions } from '../context';
import { err, printData, printTable } from '../output';

interface Kind {
  name: string;
  plural: string;
  /** Folder under DIR; `{iaas}` is the flavour. */
  folder: string;
  /** Which files of the folder (and its subfolders) are of this kind. */
  match?: RegExp;
  /** REST path to POST to; undefined while the platform does not support the kind yet. */
  endpoint?: string;
  /** A tenant's (sign-ups, domain mappings): the path follows the application beside the file, and the tenant. */
  tenantEndpoint?: (applicationId: string, tenant: string | undefined) => string;
  idKey: string;
}

/** Stratos's order (its samples' deploy.sh). */
const of = (name: DefinitionKindName, folder: string, match?: RegExp): Kind => {
  const kind = definitionKinds[name];
  return { name: kind.label, plural: kind.plural, folder, match, endpoint: `/${kind.restPath}`, idKey: kind.idKey };
};
const KINDS: Kind[] = [
  of('autoscalingPolicy', 'autoscaling-policies'),
  of('autoscalingPolicy', 'applications', /\/autoscaling-polic[a-z-]*\.json$/),
  of('networkPartition', 'network-partitions/{iaas}'),
  of('deploymentPolicy', 'deployment-policies'),
  of('deploymentPolicy', 'applications', /\/deployment-polic[a-z-]*\.json$/),
  // cartridges/common: cartridges for every flavour (each names an iaasProvider per driver), then the flavour's own.
  { name: 'cartridge', plural: 'cartridges', folder: 'cartridges/common', endpoint: '/cartridges', idKey: 'type' },
  { name: 'cartridge', plural: 'cartridges', folder: 'cartridges/{iaas}', endpoint: '/cartridges', idKey: 'type' },
  of('cartridgeGroup', 'cartridge-groups'),
  of('applicationPolicy', 'application-policies'),
  of('applicationPolicy', 'applications', /\/application-polic[a-z-]*\.json$/),
  of('application', 'applications', /\/application\.json$/),
  // A tenant's, for the application.json beside them: they need it deployed (Stratos's deploy.sh posted them after the deploy).
  {
    name: 'application signup',
    plural: 'application signups',
    folder: 'applications',
    match: /\/application-signup\.json$/,
    idKey: 'applicationId',
    tenantEndpoint: (id, tenant) => `/applications/${encodeURIComponent(id)}/signup${tenant ? `/${encodeURIComponent(tenant)}` : ''}`,
  },
  {
    name: 'domain mapping',
    plural: 'domain mappings',
    folder: 'applications',
    match: /\/domain-mappings\.json$/,
    idKey: 'applicationId',
    tenantEndpoint: (id, tenant) => `/applications/${encodeURIComponent(id)}/domainMappings${tenant ? `?tenantDomain=${encodeURIComponent(tenant)}` : ''}`,
  },
];

type Outcome = 'created' | 'skipped' | 'refused';
interface Row {
  file: string;
  kind: string;
  id: string;
  outcome: Outcome;
  detail: string;
}

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return jsonFiles(path);
      return name.endsWith('.json') ? [path] : [];
    });
}

function firstIssue(errors: FieldIssue[]): string {
  return errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('; ');
}

export function registerImport(program: Command, globals: () => GlobalOptions): void {
  program
    .command('import')
    .description("Post a Stratos samples folder in Stratos's order: policies, partitions, cartridges, groups, applications, then sign-ups and domain mappings of deployed ones (--tenant)")
    .argument('<dir>', 'a folder laid out as Stratos samples/')
    .requiredOption('--iaas <flavour>', 'which cartridges/<iaas> and network-partitions/<iaas> to take (mock, ec2, openstack, …)')
    .option('--strict', 'warnings are errors')
    .option('--tenant <domain>', "whose the folder's application-signup.json and domain-mappings.json are (platform admin; a tenant's admin: its own); their applications must be deployed")
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .option('--json', 'same as -o json')
    .action(async (dir: string, options: { iaas: string; strict?: boolean; tenant?: string; output?: string; json?: boolean }) => {
      const format = outputFormat(options);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
      const plan = KINDS.flatMap((kind) =>
        jsonFiles(join(dir, kind.folder.replace('{iaas}', options.iaas)))
          .filter((file) => !kind.match || kind.match.test(file))
          .map((file) => ({ kind, file })),
      );
      if (plan.length === 0) throw new UsageError(`${dir} holds none of ${KINDS.map((k) => k.folder.replace('{iaas}', options.iaas)).join(', ')}`);
      if (!existsSync(join(dir, 'cartridges', options.iaas)) && !existsSync(join(dir, 'cartridges', 'common'))) err(`note: ${join(dir, 'cartridges', options.iaas)} does not exist: no cartridges for the flavour "${options.iaas}"`);
      const client = apiClient(globals());
      const bar = new SingleBar({ format: 'importing [{bar}] {value}/{total} {file}', stream: process.stderr, hideCursor: true, noTTYOutput: false, clearOnComplete: true });
      if (process.stderr.isTTY) bar.start(plan.length, 0, { file: '' });
      const rows: Row[] = [];
      for (const { kind, file } of plan) {
        const shown = relative(dir, file);
        if (process.stderr.isTTY) bar.update(rows.length, { file: shown });
        rows.push(await importOne(client, kind, file, shown, options.strict ?? false, options.tenant));
      }
      if (process.stderr.isTTY) bar.stop();
      const counts = { created: 0, skipped: 0, refused: 0 };
      rows.forEach((row) => counts[row.outcome]++);
      printData(format, { summary: counts, items: rows }, () => {
        printTable(['FILE', 'KIND', 'ID', 'RESULT', 'DETAIL'], rows.map((r) => [r.file, r.kind, r.id, r.outcome, r.detail]));
        err(`\n${counts.created} created, ${counts.skipped} skipped, ${counts.refused} refused`);
      });
      if (counts.refused > 0) process.exitCode = 1;
    });
}

/** The applicationId of the application.json beside a file, or null. */
function applicationBeside(file: string): string | null {
  const beside = join(dirname(file), 'application.json');
  if (!existsSync(beside)) return null;
  try {
    const id = (JSON.parse(readFileSync(beside, 'utf8')) as { applicationId?: unknown }).applicationId;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/** A sign-up or domain mapping: posted for the application beside it, as the tenant given (or the caller's own). */
async function importTenantOne(client: ReturnType<typeof apiClient>, kind: Kind, file: string, shown: string, tenant: string | undefined, definition: unknown): Promise<Row> {
  const applicationId = applicationBeside(file);
  if (!applicationId) return { file: shown, kind: kind.name, id: '?', outcome: 'refused', detail: 'no application.json with an applicationId beside it: whose is it?' };
  try {
    await client.request('POST', kind.tenantEndpoint!(applicationId, tenant), definition);
    return { file: shown, kind: kind.name, id: applicationId, outcome: 'created', detail: tenant ? `for ${tenant}` : '' };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 0 || error.status === 401 || error.status >= 500) throw error;
    if (error.errors.some((e) => /tenantDomain$/.test(e.path))) return { file: shown, kind: kind.name, id: applicationId, outcome: 'skipped', detail: `a tenant's: give --tenant DOMAIN (or import as the tenant's admin)` };
    // Not deployed yet, or done already: what the server said, and nothing written.
    if (error.status === 409) return { file: shown, kind: kind.name, id: applicationId, outcome: 'skipped', detail: error.message };
    return { file: shown, kind: kind.name, id: applicationId, outcome: 'refused', detail: error.errors.length ? firstIssue(error.errors) : error.message };
  }
}

async function importOne(client: ReturnType<typeof apiClient>, kind: Kind, file: string, shown: string, strict: boolean, tenant?: string): Promise<Row> {
  let definition: Record<string, unknown>;
  try {
    definition = readJsonFile(file) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof FileError) return { file: shown, kind: kind.name, id: '?', outcome: 'refused', detail: error.message.replace(`${file}: `, '') };
    throw error;
  }
  if (kind.tenantEndpoint) return importTenantOne(client, kind, file, shown, tenant, definition);
  const id = String(definition?.[kind.idKey] ?? '?');
  if (!kind.endpoint) return { file: shown, kind: kind.name, id, outcome: 'skipped', detail: `${kind.plural} are not supported by this platform yet` };
  try {
    // A cartridge.json beside confd/, provision/ or extensions/ brings its bundle (checked before anything is sent).
    let bundle: Buffer | null = null;
    try {
      if (kind.endpoint === '/cartridges' && hasBundleParts(dirname(file))) bundle = packFolder(dirname(file), [relative(dirname(file), file)]);
    } catch (error) {
      if (error instanceof FileError) return { file: shown, kind: kind.name, id, outcome: 'refused', detail: `its bundle: ${error.message}` };
      throw error;
    }
    const { body } = await client.request<{ warnings?: FieldIssue[] }>('POST', `${kind.endpoint}${strict ? '?strict=true' : ''}`, definition);
    if (bundle) await client.request('PUT', `/cartridges/${encodeURIComponent(id)}/bundle`, bundle, { timeoutMs: 120_000 });
    const warnings = body.warnings?.length ?? 0;
    const details = [warnings ? `${warnings} warning(s)` : '', bundle ? `bundle ${(bundle.length / 1024).toFixed(1)} KiB` : ''].filter(Boolean);
    return { file: shown, kind: kind.name, id, outcome: 'created', detail: details.join(', ') };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 0 || error.status === 401 || error.status >= 500) throw error;
    if (error.status === 409) return { file: shown, kind: kind.name, id, outcome: 'skipped', detail: 'already exists' };
    return { file: shown, kind: kind.name, id, outcome: 'refused', detail: error.errors.length ? firstIssue(error.errors) : error.message };
  }
}
