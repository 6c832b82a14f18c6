/**
 * A Stratos samples folder, as `stratos import` and `POST /api/import` read it: which file is what
 * kind of definition, in Stratos's order (its samples' deploy.sh) — autoscaling policies, network
 * partitions, deployment policies, cartridges (with the bundle in their folder), cartridge groups,
 * application policies, applications, then a tenant's sign-ups and domain mappings of applications
 * that must be deployed. Pure: paths in, a plan out.
 */
import { definitionKindNames, type DefinitionKindName } from '../definitions/definition-kind-names';

export type ImportTarget =
  | { type: 'definition'; kind: DefinitionKindName }
  | { type: 'cartridge' }
  /** A tenant's: for the application.json beside the file. */
  | { type: 'signup' }
  | { type: 'domainMappings' };

export interface ImportKind {
  /** As the result table names it: "cartridge", "deployment policy", "application signup". */
  name: string;
  /** The folder under the root; `{iaas}` is the flavour. */
  folder: string;
  /** Which files of the folder (and its subfolders) are of this kind. */
  match?: RegExp;
  target: ImportTarget;
  /** The document's id key (for a tenant's: the application's, from the application.json beside it). */
  idKey: string;
}

const definition = (kind: DefinitionKindName, folder: string, match?: RegExp): ImportKind => ({ name: definitionKindNames[kind].label, folder, match, target: { type: 'definition', kind }, idKey: definitionKindNames[kind].idKey });

/** Stratos's order. */
export const IMPORT_KINDS: readonly ImportKind[] = [
  definition('autoscalingPolicy', 'autoscaling-policies'),
  definition('autoscalingPolicy', 'applications', /\/autoscaling-polic[a-z-]*\.json$/),
  definition('networkPartition', 'network-partitions/{iaas}'),
  definition('deploymentPolicy', 'deployment-policies'),
  definition('deploymentPolicy', 'applications', /\/deployment-polic[a-z-]*\.json$/),
  // cartridges/common: cartridges for every flavour (each names an iaasProvider per driver), then the flavour's own.
  { name: 'cartridge', folder: 'cartridges/common', target: { type: 'cartridge' }, idKey: 'type' },
  { name: 'cartridge', folder: 'cartridges/{iaas}', target: { type: 'cartridge' }, idKey: 'type' },
  definition('cartridgeGroup', 'cartridge-groups'),
  definition('applicationPolicy', 'application-policies'),
  definition('applicationPolicy', 'applications', /\/application-polic[a-z-]*\.json$/),
  definition('application', 'applications', /\/application\.json$/),
  // A tenant's, for the application.json beside them: they need it deployed (Stratos's deploy.sh posted them after the deploy).
  { name: 'application signup', folder: 'applications', match: /\/application-signup\.json$/, target: { type: 'signup' }, idKey: 'applicationId' },
  { name: 'domain mapping', folder: 'applications', match: /\/domain-mappings\.json$/, target: { type: 'domainMappings' }, idKey: 'applicationId' },
];

/** The folders a cartridge's bundle is made of: a cartridge.json beside one of them brings its folder as its bundle. */
export const BUNDLE_PARTS = ['confd', 'provision', 'extensions'] as const;

export interface ImportStep {
  kind: ImportKind;
  /** Relative to the root, `/`-separated. */
  file: string;
}

export type ImportOutcome = 'created' | 'skipped' | 'refused';
/** One row of the result table: the CLI prints it, the console shows it, POST /api/import answers it. */
export interface ImportRow {
  file: string;
  kind: string;
  id: string;
  outcome: ImportOutcome;
  detail: string;
}
export interface ImportSummary {
  created: number;
  skipped: number;
  refused: number;
}
export interface ImportResult {
  summary: ImportSummary;
  items: ImportRow[];
  /** Notes on the folder as a whole (no cartridges for the flavour, a top folder that was stepped into). */
  notes: string[];
}
/** POST /api/import with Accept: application/x-ndjson: one line each, as the import goes. */
export type ImportProgress = { type: 'planned'; total: number; notes: string[] } | { type: 'row'; row: ImportRow } | { type: 'done'; result: ImportResult };

const TOP_FOLDERS = ['autoscaling-policies', 'network-partitions', 'deployment-policies', 'cartridges', 'cartridge-groups', 'application-policies', 'applications'];

/**
 * The folder's root within the archive's paths: a zip of `samples/` holds `samples/cartridges/…`;
 * one top folder with none of Stratos's folders beside it is stepped into.
 */
export function importRoot(paths: readonly string[]): string {
  let root = '';
  for (;;) {
    const below = paths.filter((p) => p.startsWith(root)).map((p) => p.slice(root.length));
    const firsts = new Set(below.map((p) => p.split('/')[0]));
    if ([...firsts].some((f) => TOP_FOLDERS.includes(f))) return root;
    const deeper = below.filter((p) => p.includes('/'));
    if (firsts.size !== 1 || deeper.length === 0) return root;
    root += `${[...firsts][0]}/`;
  }
}

/** Orders paths as a folder walk does: by name within each folder, a folder's contents where its name sorts. */
const walkOrder = (a: string, b: string) => {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
};

/** The steps for the JSON files among `paths` (relative to the root), in Stratos's order. */
export function planImport(paths: readonly string[], iaas: string): ImportStep[] {
  const json = paths.filter((p) => p.endsWith('.json')).sort(walkOrder);
  return IMPORT_KINDS.flatMap((kind) => {
    const folder = `${kind.folder.replace('{iaas}', iaas)}/`;
    return json.filter((file) => file.startsWith(folder) && (!kind.match || kind.match.test(`/${file}`))).map((file) => ({ kind, file }));
  });
}

/** The folders the plan draws from, for the note when there is nothing to import. */
export function importFolders(iaas: string): string[] {
  return [...new Set(IMPORT_KINDS.map((k) => k.folder.replace('{iaas}', iaas)))];
}

/** A cartridge.json's folder is its bundle when one of BUNDLE_PARTS is a folder beside it. */
export function bundleFolderOf(cartridgeFile: string, paths: readonly string[], dirs: readonly string[] = []): string | null {
  const folder = cartridgeFile.includes('/') ? cartridgeFile.slice(0, cartridgeFile.lastIndexOf('/') + 1) : '';
  const hasPart = BUNDLE_PARTS.some((part) => [...paths, ...dirs.map((d) => `${d}/`)].some((p) => p.startsWith(`${folder}${part}/`)));
  return hasPart ? folder : null;
}

/** The application.json beside a tenant's file. */
export const applicationFileBeside = (file: string): string => `${file.slice(0, file.lastIndexOf('/') + 1)}application.json`;
