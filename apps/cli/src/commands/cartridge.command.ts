import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleSha256, validateCartridge, type CartridgeView, type CartridgeWriteResult } from '@stratos/contracts';
import { hasBundleParts, packFolder } from '../bundle-folder';
import { apiClient, FileError, outputFormat, readJsonFile, type GlobalOptions } from '../context';
import { err, out, printData, printIssues, printTable } from '../output';

interface ReadOptions {
  output?: string;
  json?: boolean;
}

function printWrite(verb: string, result: CartridgeWriteResult, format: ReadOptions): void {
  printIssues('warning', result.warnings);
  const f = outputFormat(format);
  printData(f, result, () => out(`cartridge ${result.cartridge.type} ${verb} (generation ${result.cartridge.status.generation})`));
}

function describeProviders(cartridge: CartridgeView): string {
  return cartridge.status.providers.map((p) => `${p.type}${p.driver ? `→${p.driver}` : ' (no driver)'}`).join(', ');
}

const outputOption = (command: Command) => command.option('-o, --output <format>', 'table | json | yaml', 'table').option('--json', 'same as -o json');

/**
 * What `-f` names: a cartridge.json, or a folder holding one (the files beside it, when it has
 * confd/, provision/ or extensions/, are its bundle); `--bundle DIR` names the bundle apart.
 */
function readCartridgeSource(file: string, bundleDir?: string): { definition: unknown; bundle: Buffer | null; bundleFrom?: string } {
  const isFolder = existsSync(file) && statSync(file).isDirectory();
  const json = isFolder ? join(file, 'cartridge.json') : file;
  if (isFolder && !existsSync(json)) throw new FileError(`${file}: a cartridge folder holds cartridge.json (and its bundle: ${['confd', 'provision', 'extensions'].join('/, ')}/)`);
  const definition = readJsonFile(json);
  if (bundleDir) {
    if (!existsSync(bundleDir) || !statSync(bundleDir).isDirectory()) throw new FileError(`${bundleDir}: --bundle names a folder`);
    return { definition, bundle: packFolder(bundleDir), bundleFrom: bundleDir };
  }
  if (isFolder && hasBundleParts(file)) return { definition, bundle: packFolder(file, ['cartridge.json']), bundleFrom: file };
  return { definition, bundle: null };
}

export function registerCartridges(program: Command, globals: () => GlobalOptions): void {
  /** Uploads a bundle packed (and checked) before anything was sent. */
  const sendBundle = async (type: string, bundle: Buffer, from: string) => {
    await apiClient(globals()).request<CartridgeView>('PUT', `/cartridges/${encodeURIComponent(type)}/bundle`, bundle, { timeoutMs: 120_000 });
    err(`bundle from ${from}: ${(bundle.length / 1024).toFixed(1)} KiB, sha256 ${bundleSha256(bundle).slice(0, 12)}`);
  };
  const add = async (file: string, options: { strict?: boolean; bundle?: string } & ReadOptions) => {
    const source = readCartridgeSource(file, options.bundle);
    const query = options.strict ? '?strict=true' : '';
    const { body } = await apiClient(globals()).request<CartridgeWriteResult>('POST', `/cartridges${query}`, source.definition);
    if (source.bundle) await sendBundle(body.cartridge.type, source.bundle, source.bundleFrom!);
    printWrite('added', body, options);
  };
  const update = async (file: string, options: { strict?: boolean; bundle?: string } & ReadOptions) => {
    const source = readCartridgeSource(file, options.bundle);
    const definition = source.definition as { type?: unknown };
    if (typeof definition?.type !== 'string') throw new FileError(`${file}: /type: is required (it names the cartridge to update)`);
    const query = options.strict ? '?strict=true' : '';
    const { body } = await apiClient(globals()).request<CartridgeWriteResult>('PUT', `/cartridges/${encodeURIComponent(definition.type)}${query}`, definition);
    if (source.bundle) await sendBundle(definition.type, source.bundle, source.bundleFrom!);
    printWrite('updated', body, options);
  };
  const list = async (options: { category?: string; limit?: string; offset?: string } & ReadOptions) => {
    const format = outputFormat(options);
    const params = new URLSearchParams();
    if (options.category) params.set('category', options.category);
    if (options.limit) params.set('limit', options.limit);
    if (options.offset) params.set('offset', options.offset);
    const { body, headers } = await apiClient(globals()).request<CartridgeView[]>('GET', `/cartridges${params.size ? `?${params}` : ''}`);
    printData(format, body, () => {
      printTable(
        ['TYPE', 'CATEGORY', 'PROVIDER', 'VERSION', 'MULTI-TENANT', 'PORTS', 'IAAS'],
        body.map((c) => [c.type, c.category, c.provider, c.version, c.multiTenant ?? false, (c.portMapping ?? []).map((p) => `${p.port}/${p.protocol}`).join(','), describeProviders(c)]),
      );
      const total = Number(headers.get('x-total-count') ?? body.length);
      if (total > body.length) err(`(${body.length} of ${total}; use --limit/--offset)`);
    });
  };
  const get = async (type: string, options: ReadOptions) => {
    const format = outputFormat(options);
    const { body } = await apiClient(globals()).request<CartridgeView>('GET', `/cartridges/${encodeURIComponent(type)}`);
    printData(format, body, () => {
      printTable(
        ['FIELD', 'VALUE'],
        [
          ['type', body.type],
          ['category', body.category],
          ['provider', body.provider],
          ['displayName', body.displayName],
          ['version', body.version],
          ['multiTenant', body.multiTenant ?? false],
          ['ports', (body.portMapping ?? []).map((p) => `${p.name ?? ''} ${p.port}/${p.protocol}${p.proxyPort ? `→${p.proxyPort}` : ''}`.trim()).join(', ')],
          ['iaasProvider', describeProviders(body)],
          ['bundle', body.status.bundle ? `${body.status.bundle.files} files, ${(body.status.bundle.size / 1024).toFixed(1)} KiB, sha256 ${body.status.bundle.sha256.slice(0, 12)}` : 'none'],
          ['generation', body.status.generation],
          ['updated', body.status.updatedAt],
        ],
      );
      for (const p of body.status.providers) if (!p.imageVerified) err(`note: ${p.type}: ${p.note}`);
    });
  };
  const remove = async (type: string) => {
    await apiClient(globals()).request('DELETE', `/cartridges/${encodeURIComponent(type)}`);
    out(`cartridge ${type} removed`);
  };
  const validate = (file: string, options: { strict?: boolean } & ReadOptions) => {
    const result = validateCartridge(readJsonFile(file), { strict: options.strict });
    printIssues('warning', result.warnings);
    printIssues('error', result.errors);
    const format = outputFormat(options);
    if (format !== 'table') printData(format, { valid: result.errors.length === 0, ...result }, () => undefined);
    if (result.errors.length > 0) throw new FileError(`${file}: ${result.errors.length} error(s); nothing was sent`);
    if (format === 'table') out(`${file}: valid cartridge "${result.value.type}"${result.warnings.length ? ` (${result.warnings.length} warning(s))` : ''}`);
  };

  const cartridge = program.command('cartridge').alias('cartridges').description('Cartridge definitions (cartridge.json)');
  outputOption(cartridge.command('validate').description('Check a cartridge.json offline, with the server\'s schema').requiredOption('-f, --file <file>', 'cartridge.json').option('--strict', 'warnings are errors')).action((o) => validate(o.file, o));
  outputOption(
    cartridge
      .command('add')
      .alias('create')
      .description('Add a cartridge (and its bundle: confd/, provision/, extensions/)')
      .requiredOption('-f, --file <file>', 'cartridge.json, or a folder holding it and its bundle')
      .option('--bundle <dir>', 'the folder to upload as its bundle')
      .option('--strict', 'warnings are errors'),
  ).action((o) => add(o.file, o));
  outputOption(cartridge.command('list').alias('ls').description('List cartridges').option('--category <category>').option('--limit <n>').option('--offset <n>')).action((o) => list(o));
  outputOption(cartridge.command('get').alias('describe').description('Show one cartridge').argument('<type>')).action((type: string, o) => get(type, o));
  outputOption(
    cartridge
      .command('update')
      .description('Replace a cartridge definition (its type names it), and its bundle when given')
      .requiredOption('-f, --file <file>', 'cartridge.json, or a folder holding it and its bundle')
      .option('--bundle <dir>', 'the folder to upload as its bundle')
      .option('--strict', 'warnings are errors'),
  ).action((o) => update(o.file, o));
  cartridge.command('remove').alias('rm').alias('delete').description('Remove a cartridge').argument('<type>').action((type: string) => remove(type));

  // Stratos 4.1 command names, so that a Stratos user's scripts run.
  outputOption(program.command('add-cartridge').description('Stratos alias of cartridge add').requiredOption('-p, --resource-path <file>', 'cartridge.json')).action((o) => add(o.resourcePath, o));
  outputOption(program.command('update-cartridge').description('Stratos alias of cartridge update').requiredOption('-p, --resource-path <file>', 'cartridge.json')).action((o) => update(o.resourcePath, o));
  outputOption(program.command('list-cartridges').description('Stratos alias of cartridge list')).action((o) => list(o));
  outputOption(program.command('describe-cartridge').description('Stratos alias of cartridge get').argument('<type>')).action((type: string, o) => get(type, o));
  program.command('remove-cartridge').description('Stratos alias of cartridge remove').argument('<type>').action((type: string) => remove(type));
}

