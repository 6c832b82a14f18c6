/** `stratos artifact create|list|show|distribute|remove`: image artifacts, and their copies in each region. */
import type { Command } from 'commander';
import { MultiBar, type SingleBar } from 'cli-progress';
import type { ArtifactDistributionAccepted, ArtifactDistributionPayload, ArtifactVersionView, ArtifactView, TopologyEvent } from '@stratos/contracts';
import { apiClient, outputFormat, UsageError, type GlobalOptions } from '../context';
import { err, out, printData, printTable } from '../output';
import { currentRevision } from './application-runtime.command';
import { readEvents } from './topology.command';

const outputOption = (command: Command) => command.option('-o, --output <format>', 'table | json | yaml', 'table').option('--json', 'same as -o json');

/** NAME@VERSION, as the commands name a version. */
function nameAndVersion(ref: string): { name: string; version: string } {
  const at = ref.lastIndexOf('@');
  if (at <= 0 || at === ref.length - 1) throw new UsageError(`"${ref}" is not NAME@VERSION`);
  return { name: ref.slice(0, at), version: ref.slice(at + 1) };
}

const regionCell = (r: ArtifactVersionView['regions'][number]) => `${r.region}:${r.state === 'Copying' ? `Copying ${r.percent}%` : r.state}`;

export function registerArtifacts(program: Command, globals: () => GlobalOptions): void {
  const artifact = program.command('artifact').alias('artifacts').description('Image artifacts: versions of an image, distributed to the regions');
  outputOption(
    artifact
      .command('create')
      .description("Register a version of an artifact from an image a region's engine has (local: a folder, a root file system, taken in)")
      .argument('<name@version>', 'e.g. web@1.0.0')
      .requiredOption('--image <image>', "docker: repository[:tag] in the region's engine; local: an absolute folder on the controller's host, or NAME:TAG of the region's images")
      .option('--provider <provider>', 'docker | local', 'docker')
      .option('--region <region>', 'where the image is (default: the default region)'),
  ).action(async (ref: string, options: { image: string; provider: string; region?: string; output?: string; json?: boolean }) => {
    const { name, version } = nameAndVersion(ref);
    const { body } = await apiClient(globals()).request<ArtifactVersionView>('POST', '/artifacts', {
      name,
      version,
      image: options.image,
      ...(options.provider !== 'docker' ? { provider: options.provider } : {}),
      ...(options.region ? { region: options.region } : {}),
    });
    printData(outputFormat(options), body, () => out(`artifact ${body.name}@${body.version}: ${body.image} (${body.imageId.slice(7, 19)}, ${(body.sizeBytes / 1e6).toFixed(0)} MB), Available in ${body.sourceRegion}`));
  });
  outputOption(artifact.command('list').alias('ls').description('Every artifact version and its state in each region')).action(async (options: { output?: string; json?: boolean }) => {
    const { body } = await apiClient(globals()).request<ArtifactView[]>('GET', '/artifacts');
    printData(outputFormat(options), body, () =>
      printTable(
        ['ARTIFACT', 'VERSION', 'IMAGE', 'SIZE', 'REGIONS'],
        body.flatMap((a) => a.versions.map((v) => [a.name, v.version, v.image, `${(v.sizeBytes / 1e6).toFixed(0)} MB`, v.regions.map(regionCell).join(' ')])),
      ),
    );
  });
  outputOption(artifact.command('show').description("One artifact: each version's copy in each region").argument('<name>')).action(async (name: string, options: { output?: string; json?: boolean }) => {
    const { body } = await apiClient(globals()).request<ArtifactView>('GET', `/artifacts/${encodeURIComponent(name)}`);
    printData(outputFormat(options), body, () =>
      printTable(
        ['VERSION', 'REGION', 'STATE', 'IMAGE ID', 'SINCE', 'REASON'],
        body.versions.flatMap((v) => v.regions.map((r) => [v.version, `${r.region}${r.region === v.sourceRegion ? ' (source)' : ''}`, r.state === 'Copying' ? `Copying ${r.percent}%` : r.state, r.imageId?.slice(7, 19) ?? '', r.updatedAt, r.reason ?? ''])),
      ),
    );
  });
  artifact
    .command('distribute')
    .description('Copy a version to regions, in parallel; shows each region’s progress until every one is Available or Failed')
    .argument('<name@version>')
    .requiredOption('--to <regions>', 'comma-separated regions')
    .option('--no-wait', 'return once the copies started')
    .option('--timeout <seconds>', 'how long to wait', '1800')
    .action(async (ref: string, options: { to: string; wait: boolean; timeout: string }) => {
      const { name, version } = nameAndVersion(ref);
      const regions = options.to.split(',').map((r) => r.trim()).filter(Boolean);
      const client = apiClient(globals());
      const since = await currentRevision(client);
      const { body } = await client.request<ArtifactDistributionAccepted>('POST', `/artifacts/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/distribute`, { regions });
      const states = new Map(body.regions.map((r) => [r.region, r]));
      const settled = () => [...states.values()].every((r) => r.state === 'Available' || r.state === 'Failed');
      const started = Date.now();
      const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;
      if (!options.wait || settled()) {
        for (const r of states.values()) out(`${r.region}: ${r.state}`);
        return;
      }
      // A bar per region on a terminal; a line per change elsewhere.
      const bars = process.stderr.isTTY ? new MultiBar({ format: '{region} [{bar}] {percent}% {state}', stream: process.stderr, hideCursor: true, clearOnComplete: false }) : null;
      const barOf = new Map<string, SingleBar>();
      for (const r of states.values()) barOf.set(r.region, bars?.create(100, r.percent, { region: r.region.padEnd(12), state: r.state }) as SingleBar);
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), Number(options.timeout) * 1000);
      try {
        const stream = await client.stream(`/topology/events?since=${since}`, abort.signal);
        await readEvents(
          stream,
          () => undefined,
          (event) => {
            if (event.type !== 'ArtifactDistribution') return;
            const payload = (event as TopologyEvent<'ArtifactDistribution'>).payload as ArtifactDistributionPayload;
            if (payload.name !== name || payload.version !== version || !states.has(payload.region.region)) return;
            states.set(payload.region.region, payload.region);
            const r = payload.region;
            if (bars) barOf.get(r.region)?.update(r.percent, { state: r.state === 'Failed' ? `Failed: ${r.reason}` : r.state });
            else err(`${elapsed()}  ${r.region}: ${r.state}${r.state === 'Copying' ? ` ${r.percent}%` : ''}${r.reason ? ` (${r.reason})` : ''}`);
            if (settled()) abort.abort();
          },
        );
      } catch (error) {
        if (!abort.signal.aborted) throw error;
      } finally {
        clearTimeout(timer);
        bars?.stop();
      }
      const failed = [...states.values()].filter((r) => r.state === 'Failed');
      if (!settled()) throw new Error(`not every region finished within ${options.timeout} s: ${[...states.values()].map(regionCell).join(' ')}`);
      out(`${name}@${version}: ${[...states.values()].map(regionCell).join(' ')} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      for (const r of failed) err(`${r.region} failed: ${r.reason}; distribute again to retry it`);
      if (failed.length) process.exitCode = 1;
    });
  artifact
    .command('remove')
    .alias('rm')
    .description("Remove a version (the copies the platform made go from their engines; the source image stays), or one region's copy")
    .argument('<name@version>')
    .option('--region <region>', "only this region's copy")
    .action(async (ref: string, options: { region?: string }) => {
      const { name, version } = nameAndVersion(ref);
      await apiClient(globals()).request('DELETE', `/artifacts/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}${options.region ? `?region=${encodeURIComponent(options.region)}` : ''}`);
      out(options.region ? `${name}@${version}: its copy in ${options.region} is removed` : `${name}@${version} is removed`);
    });
}
