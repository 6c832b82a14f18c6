/**
 * Regions and image artifacts: where members can run (each region's driver, endpoint, whether it
 * answers, its members), and each artifact version's copy in every region — state and progress,
 * live from the ArtifactDistribution events; distributing a version to more regions from here.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ArtifactDistributionPayload, ArtifactRegionView, ArtifactView, RegionView } from '@stratos/contracts';
import { request } from '../api';
import type { LiveTopology } from '../live-topology';
import { ErrorView, State, Table } from './parts';

export function RegionsView({ live }: { live: LiveTopology }) {
  const [regions, setRegions] = useState<RegionView[] | null>(null);
  const [artifacts, setArtifacts] = useState<ArtifactView[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    request<RegionView[]>('GET', '/regions').then(setRegions, setError);
    request<ArtifactView[]>('GET', '/artifacts').then(setArtifacts, setError);
  }, [reload]);
  // Each region's copy as the events since the page loaded say it is now (newest wins).
  const copies = useMemo(() => {
    const latest = new Map<string, ArtifactRegionView>();
    for (const event of live.events) {
      if (event.type !== 'ArtifactDistribution') continue;
      const p = event.payload as ArtifactDistributionPayload;
      latest.set(`${p.name}@${p.version}/${p.region.region}`, p.region);
    }
    return latest;
  }, [live.events]);
  return (
    <section>
      <div class="toolbar"><h2>Regions</h2></div>
      <ErrorView error={error} />
      {regions && (
        <Table
          rows={regions}
          rowKey={(r) => r.region}
          empty="No regions."
          columns={[
            { title: 'Region', cell: (r) => <strong>{r.region}</strong> },
            { title: 'Driver', cell: (r) => r.driverName },
            { title: 'Where', cell: (r) => <code class="small">{r.endpoint}</code> },
            { title: 'Answers', cell: (r) => (r.answers ? <State value="Active" /> : <span class="warn">no{r.reason ? `: ${r.reason}` : ''}</span>) },
            { title: 'Members', cell: (r) => r.members },
          ]}
        />
      )}
      <div class="toolbar"><h2>Image artifacts</h2></div>
      {artifacts?.length === 0 && <p class="muted">None yet (stratos artifact create).</p>}
      {artifacts?.flatMap((artifact) =>
        artifact.versions.map((version) => {
          const key = `${version.name}@${version.version}`;
          const byRegion = new Map(version.regions.map((r) => [r.region, copies.get(`${key}/${r.region}`) ?? r]));
          for (const [k, copy] of copies) if (k.startsWith(`${key}/`) && !byRegion.has(copy.region)) byRegion.set(copy.region, copy);
          const missing = (regions ?? []).filter((r) => r.driver === version.provider && byRegion.get(r.region)?.state !== 'Available' && byRegion.get(r.region)?.state !== 'Copying');
          return (
            <article class="card" key={key} data-artifact={key}>
              <h3>{key} <span class="muted small">{version.provider} · {(version.sizeBytes / 1024 ** 2).toFixed(1)} MiB · from {version.sourceRegion}</span></h3>
              <ul class="copies">
                {[...byRegion.values()].map((copy) => (
                  <li key={copy.region} data-region={copy.region} data-state={copy.state}>
                    <strong>{copy.region}</strong> <State value={copy.state} /> <progress max={100} value={copy.percent} aria-label={`${key} in ${copy.region}`} /> {copy.percent} %{copy.reason && <span class="warn small"> {copy.reason}</span>}
                  </li>
                ))}
              </ul>
              {missing.length > 0 && <DistributeButton artifact={version.name} version={version.version} regions={missing.map((r) => r.region)} done={() => setReload((n) => n + 1)} />}
            </article>
          );
        }),
      )}
    </section>
  );
}

function DistributeButton({ artifact, version, regions, done }: { artifact: string; version: string; regions: string[]; done: () => void }) {
  const [error, setError] = useState<Error | null>(null);
  const distribute = async () => {
    setError(null);
    try {
      await request('POST', `/artifacts/${encodeURIComponent(artifact)}/versions/${encodeURIComponent(version)}/distribute`, { regions });
      done();
    } catch (failure) {
      setError(failure as Error);
    }
  };
  return (
    <>
      <button onClick={() => void distribute()}>Distribute to {regions.join(', ')}</button>
      <ErrorView error={error} />
    </>
  );
}
