/**
 * `stratos <kind> add|list|get|update|remove` for every kind of Stratos definition besides
 * cartridges, and Stratos 4.1's command names (add-deployment-policy -p FILE, …).
 */
import type { Command } from 'commander';
import {
  aLabel,
  definitionKinds,
  validateDefinition,
  type ApplicationDefinition,
  type ApplicationPolicy,
  type AutoscalingPolicy,
  type CartridgeGroup,
  type DefinitionKind,
  type DefinitionKindName,
  type DefinitionView,
  type DefinitionWriteResult,
  type DeploymentPolicy,
  type NetworkPartition,
} from '@stratos/contracts';
import { apiClient, FileError, outputFormat, readJsonFile, type GlobalOptions } from '../context';
import { out, printData, printIssues, printTable } from '../output';

/** The columns a table shows for each kind, beside its id. */
const SUMMARY: Record<DefinitionKindName, { headers: string[]; cells: (d: any) => (string | number)[] }> = {
  autoscalingPolicy: {
    headers: ['REQUESTS-IN-FLIGHT', 'MEMORY %', 'LOAD %'],
    cells: (p: AutoscalingPolicy) => [p.loadThresholds.requestsInFlight?.threshold ?? '', p.loadThresholds.memoryConsumption?.threshold ?? '', p.loadThresholds.loadAverage?.threshold ?? ''],
  },
  networkPartition: { headers: ['PROVIDER', 'PARTITIONS'], cells: (np: NetworkPartition) => [np.provider, np.partitions.map((p) => p.id).join(',')] },
  deploymentPolicy: {
    headers: ['NETWORK PARTITIONS (ALGORITHM: PARTITION≤MAX)'],
    cells: (p: DeploymentPolicy) => [p.networkPartitions.map((np) => `${np.id} (${np.partitionAlgo ?? 'one-after-another'}: ${np.partitions.map((x) => `${x.id}≤${x.partitionMax ?? '∞'}`).join(',')})`).join('; ')],
  },
  applicationPolicy: { headers: ['ALGORITHM', 'NETWORK PARTITIONS'], cells: (p: ApplicationPolicy) => [p.algorithm, p.networkPartitions.join(',')] },
  cartridgeGroup: { headers: ['CARTRIDGES', 'GROUPS'], cells: (g: CartridgeGroup) => [(g.cartridges ?? []).join(','), (g.groups ?? []).map((x) => x.name).join(',')] },
  application: {
    headers: ['ALIAS', 'CARTRIDGES', 'GROUPS'],
    cells: (a: ApplicationDefinition) => [a.alias ?? '', (a.components.cartridges ?? []).map((c) => c.subscribableInfo.alias).join(','), (a.components.groups ?? []).map((g) => g.alias).join(',')],
  },
};

interface ReadOptions {
  output?: string;
  json?: boolean;
}
const withOutput = (command: Command) => command.option('-o, --output <format>', 'table | json | yaml', 'table').option('--json', 'same as -o json');

function register(program: Command, globals: () => GlobalOptions, kind: DefinitionKind): void {
  const base = `/${kind.restPath}`;
  const printWrite = (verb: string, result: DefinitionWriteResult, options: ReadOptions) => {
    printIssues('warning', result.warnings);
    printData(outputFormat(options), result, () => out(`${kind.label} ${String(result.definition[kind.idKey])} ${verb} (generation ${result.definition.status.generation})`));
  };
  const add = async (file: string, options: { strict?: boolean } & ReadOptions) => {
    const { body } = await apiClient(globals()).request<DefinitionWriteResult>('POST', `${base}${options.strict ? '?strict=true' : ''}`, readJsonFile(file));
    printWrite('added', body, options);
  };
  const update = async (file: string, options: { strict?: boolean } & ReadOptions) => {
    const definition = readJsonFile(file) as Record<string, unknown>;
    const id = definition?.[kind.idKey];
    if (typeof id !== 'string') throw new FileError(`${file}: /${kind.idKey}: is required (it names the ${kind.label} to update)`);
    const { body } = await apiClient(globals()).request<DefinitionWriteResult>('PUT', `${base}/${encodeURIComponent(id)}${options.strict ? '?strict=true' : ''}`, definition);
    printWrite('updated', body, options);
  };
  const list = async (options: ReadOptions) => {
    const format = outputFormat(options);
    const { body } = await apiClient(globals()).request<DefinitionView[]>('GET', base);
    const summary = SUMMARY[kind.name];
    printData(format, body, () => printTable([kind.idKey.toUpperCase(), ...summary.headers], body.map((d) => [String(d[kind.idKey]), ...summary.cells(d)])));
  };
  const get = async (id: string, options: ReadOptions) => {
    const format = outputFormat(options);
    const { body } = await apiClient(globals()).request<DefinitionView>('GET', `${base}/${encodeURIComponent(id)}`);
    const summary = SUMMARY[kind.name];
    printData(format, body, () => printTable(['FIELD', 'VALUE'], [[kind.idKey, id], ...summary.headers.map((h, i) => [h.toLowerCase(), String(summary.cells(body)[i])]), ['generation', body.status.generation], ['updated', body.status.updatedAt]]));
  };
  const remove = async (id: string) => {
    await apiClient(globals()).request('DELETE', `${base}/${encodeURIComponent(id)}`);
    out(`${kind.label} ${id} removed`);
  };
  const validate = (file: string, options: { strict?: boolean }) => {
    const result = validateDefinition(kind, readJsonFile(file), { strict: options.strict });
    printIssues('warning', result.warnings);
    printIssues('error', result.errors);
    if (result.errors.length > 0) throw new FileError(`${file}: ${result.errors.length} error(s); nothing was sent`);
    out(`${file}: valid ${kind.label} "${String((result.value as Record<string, unknown>)[kind.idKey])}" (its references are checked when it is added)`);
  };

  const group = program.command(kind.cliName).alias(kind.cliPlural).description(`${kind.plural[0].toUpperCase()}${kind.plural.slice(1)}`);
  group.command('validate').description(`Check ${aLabel(kind)} offline`).requiredOption('-f, --file <file>').option('--strict', 'warnings are errors').action((o) => validate(o.file, o));
  withOutput(group.command('add').alias('create').description(`Add ${aLabel(kind)}`).requiredOption('-f, --file <file>').option('--strict', 'warnings are errors')).action((o) => add(o.file, o));
  withOutput(group.command('list').alias('ls').description(`List ${kind.plural}`)).action((o) => list(o));
  withOutput(group.command('get').alias('describe').description(`Show one ${kind.label}`).argument('<id>')).action((id: string, o) => get(id, o));
  withOutput(group.command('update').description(`Replace ${aLabel(kind)} (its ${kind.idKey} names it)`).requiredOption('-f, --file <file>').option('--strict', 'warnings are errors')).action((o) => update(o.file, o));
  group.command('remove').alias('rm').alias('delete').description(`Remove ${aLabel(kind)}`).argument('<id>').action((id: string) => remove(id));

  // Stratos 4.1's names.
  withOutput(program.command(`add-${kind.cliName}`).description(`Stratos alias of ${kind.cliName} add`).requiredOption('-p, --resource-path <file>')).action((o) => add(o.resourcePath, o));
  withOutput(program.command(`update-${kind.cliName}`).description(`Stratos alias of ${kind.cliName} update`).requiredOption('-p, --resource-path <file>')).action((o) => update(o.resourcePath, o));
  withOutput(program.command(`list-${kind.cliPlural}`).description(`Stratos alias of ${kind.cliName} list`)).action((o) => list(o));
  withOutput(program.command(`describe-${kind.cliName}`).description(`Stratos alias of ${kind.cliName} get`).argument('<id>')).action((id: string, o) => get(id, o));
  program.command(`remove-${kind.cliName}`).description(`Stratos alias of ${kind.cliName} remove`).argument('<id>').action((id: string) => remove(id));
}

export function registerDefinitions(program: Command, globals: () => GlobalOptions): void {
  for (const kind of Object.values(definitionKinds)) register(program, globals, kind);
}
