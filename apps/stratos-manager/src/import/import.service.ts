import { Injectable } from '@nestjs/common';
import {
  applicationFileBeside,
  ArchiveError,
  bundleFolderOf,
  definitionKinds,
  describeJsonError,
  DomainError,
  ErrorCode,
  importFolders,
  importRoot,
  packBundle,
  planImport,
  readZip,
  type ArchiveFile,
  type BundleEntry,
  type FieldIssue,
  type ImportResult,
  type ImportRow,
  type ImportStep,
} from '@stratos/contracts';
import type { Caller } from '../auth/auth.service';
import { CartridgesService } from '../cartridges/cartridges.service';
import { DefinitionsService } from '../definitions/definitions.service';
import { SignUpsService } from '../signups/signups.service';

export interface ImportOptions {
  iaas: string;
  strict: boolean;
  /** Whose the folder's sign-ups and domain mappings are (a platform admin names it; a tenant's admin: its own). */
  tenant?: string;
}

const issues = (errors: FieldIssue[]) => errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('; ');
/** Failures of the platform, not of a file: the import stops and says so. */
const isPlatformFailure = (error: unknown) => !(error instanceof DomainError) || error.code === ErrorCode.Unavailable || error.code === ErrorCode.Internal || error.code === ErrorCode.Unauthenticated;

/**
 * `POST /api/import`: a zipped Stratos folder, posted in Stratos's order through the same services
 * as the REST endpoints (the same validation, permissions and audit), one result row per file —
 * what `stratos import` prints and the console shows. A file refused does not stop the others (as
 * Stratos's deploy.sh went on); the platform failing does.
 */
@Injectable()
export class ImportService {
  constructor(
    private readonly cartridges: CartridgesService,
    private readonly definitions: DefinitionsService,
    private readonly signUps: SignUpsService,
  ) {}

  /** Reads the archive; an archive that cannot be read is refused whole (400, naming the entry), and nothing is written. */
  open(archive: unknown, iaas: string): { steps: ImportStep[]; files: Map<string, ArchiveFile>; dirs: string[]; notes: string[] } {
    if (!Buffer.isBuffer(archive) || archive.length === 0) throw DomainError.invalid('send the folder as a zip archive (Content-Type: application/zip)', [{ path: '', message: 'is not a zip archive' }]);
    let contents;
    try {
      contents = readZip(archive);
    } catch (error) {
      if (error instanceof ArchiveError) throw DomainError.invalid(`the archive cannot be read: ${error.entry ? `${error.entry}: ` : ''}${error.message}`, [{ path: error.entry ? `/${error.entry}` : '', message: error.message }]);
      throw error;
    }
    const root = importRoot([...contents.files.map((f) => f.path), ...contents.dirs.map((d) => `${d}/`)]);
    const files = new Map(contents.files.filter((f) => f.path.startsWith(root)).map((f) => [f.path.slice(root.length), f]));
    const dirs = contents.dirs.filter((d) => d.startsWith(root)).map((d) => d.slice(root.length));
    const notes: string[] = [];
    if (root) notes.push(`the archive's folder ${root} is the root`);
    const steps = planImport([...files.keys()], iaas);
    if (steps.length === 0) throw DomainError.invalid(`the archive holds none of ${importFolders(iaas).join(', ')}`, [{ path: '', message: `no Stratos folder for the flavour "${iaas}"` }]);
    const paths = [...files.keys(), ...dirs.map((d) => `${d}/`)];
    if (!paths.some((p) => p.startsWith(`cartridges/${iaas}/`) || p.startsWith('cartridges/common/'))) notes.push(`cartridges/${iaas} does not exist: no cartridges for the flavour "${iaas}"`);
    return { steps, files, dirs, notes };
  }

  async run(caller: Caller, opened: ReturnType<ImportService['open']>, options: ImportOptions, onRow: (row: ImportRow, done: number) => void = () => undefined): Promise<ImportResult> {
    const items: ImportRow[] = [];
    for (const step of opened.steps) {
      const row = await this.importOne(caller, step, opened, options);
      items.push(row);
      onRow(row, items.length);
    }
    const summary = { created: 0, skipped: 0, refused: 0 };
    items.forEach((row) => summary[row.outcome]++);
    return { summary, items, notes: opened.notes };
  }

  private async importOne(caller: Caller, step: ImportStep, opened: ReturnType<ImportService['open']>, options: ImportOptions): Promise<ImportRow> {
    const { kind, file } = step;
    const row = (id: string, outcome: ImportRow['outcome'], detail: string): ImportRow => ({ file, kind: kind.name, id, outcome, detail });
    const text = opened.files.get(file)!.content.toString('utf8');
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      return row('?', 'refused', describeJsonError(text, error as Error));
    }
    const target = kind.target;
    if (target.type === 'signup' || target.type === 'domainMappings') return this.importTenantOne(caller, step, opened, options, document);
    const id = String(document?.[kind.idKey] ?? '?');
    if (caller.role !== 'admin') return row(id, 'refused', `this needs the admin role; "${caller.username}" has the role "${caller.role}"`);
    try {
      let bundle: Buffer | null = null;
      if (target.type === 'cartridge') {
        const folder = bundleFolderOf(file, [...opened.files.keys()], opened.dirs);
        if (folder) {
          try {
            bundle = this.bundleOf(folder, file, opened);
          } catch (error) {
            return row(id, 'refused', `its bundle: ${(error as Error).message}`);
          }
        }
      }
      const written = target.type === 'cartridge' ? await this.cartridges.create(caller, document, options.strict) : await this.definitions.create(definitionKinds[target.kind], caller, document, options.strict);
      if (bundle) await this.cartridges.putBundle(caller, id, bundle);
      const warnings = written.warnings?.length ?? 0;
      return row(id, 'created', [warnings ? `${warnings} warning(s)` : '', bundle ? `bundle ${(bundle.length / 1024).toFixed(1)} KiB` : ''].filter(Boolean).join(', '));
    } catch (error) {
      if (isPlatformFailure(error)) throw error;
      const failure = error as DomainError;
      if (failure.code === ErrorCode.Conflict) return row(id, 'skipped', 'already exists');
      return row(id, 'refused', failure.errors.length ? issues(failure.errors) : failure.message);
    }
  }

  /** A sign-up or domain mapping: for the application beside it, as the tenant given (or the caller's own). */
  private async importTenantOne(caller: Caller, step: ImportStep, opened: ReturnType<ImportService['open']>, options: ImportOptions, document: unknown): Promise<ImportRow> {
    const { kind, file } = step;
    const row = (id: string, outcome: ImportRow['outcome'], detail: string): ImportRow => ({ file, kind: kind.name, id, outcome, detail });
    let applicationId: string | null = null;
    try {
      const beside = JSON.parse(opened.files.get(applicationFileBeside(file))?.content.toString('utf8') ?? 'null') as { applicationId?: unknown } | null;
      applicationId = typeof beside?.applicationId === 'string' ? beside.applicationId : null;
    } catch {
      applicationId = null;
    }
    if (!applicationId) return row('?', 'refused', 'no application.json with an applicationId beside it: whose is it?');
    try {
      if (kind.target.type === 'signup') await this.signUps.signUp(caller, applicationId, options.tenant, document);
      else await this.signUps.mapDomains(caller, applicationId, options.tenant, document);
      return row(applicationId, 'created', options.tenant ? `for ${options.tenant}` : '');
    } catch (error) {
      if (isPlatformFailure(error)) throw error;
      const failure = error as DomainError;
      if (failure.errors.some((e) => /tenantDomain$/.test(e.path))) return row(applicationId, 'skipped', `a tenant's: give --tenant DOMAIN (or import as the tenant's admin)`);
      // Not deployed yet, or done already: what the platform said, and nothing written.
      if (failure.code === ErrorCode.Conflict) return row(applicationId, 'skipped', failure.message);
      return row(applicationId, 'refused', failure.errors.length ? issues(failure.errors) : failure.message);
    }
  }

  /** The cartridge's folder (but its cartridge.json) as a bundle, with the modes the archive kept. */
  private bundleOf(folder: string, cartridgeFile: string, opened: ReturnType<ImportService['open']>): Buffer {
    const entries: BundleEntry[] = [];
    const dirs = new Set(opened.dirs.filter((d) => d.startsWith(folder)).map((d) => d.slice(folder.length)));
    for (const [path, file] of opened.files) {
      if (!path.startsWith(folder) || path === cartridgeFile) continue;
      const relative = path.slice(folder.length);
      const parts = relative.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
      entries.push({ path: relative, kind: 'file', mode: file.mode ?? 0o644, content: file.content });
    }
    entries.push(...[...dirs].map((path) => ({ path, kind: 'dir' as const, mode: 0o755 })));
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return packBundle(entries);
  }
}
