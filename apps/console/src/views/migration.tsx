/**
 * A member's migration to another partition of its deployment policy (cold, or live where its
 * cartridge allows), started from its panel; its progress — phase, data copied, rounds, the
 * downtime once Done — live from the MemberMigration events.
 */
import { useEffect, useState } from 'preact/hooks';
import type { DeploymentPolicy, MemberMigrationPayload, MemberMigrationView, MemberView } from '@stratos/contracts';
import { request } from '../api';
import type { LiveTopology } from '../live-topology';
import { ErrorView, State } from './parts';

export function MigrationPart({ live, member, deploymentPolicy }: { live: LiveTopology; member: MemberView; deploymentPolicy: string | null }) {
  const [targets, setTargets] = useState<string[]>([]);
  const [to, setTo] = useState('');
  const [mode, setMode] = useState('');
  const [started, setStarted] = useState<MemberMigrationView | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    if (!deploymentPolicy) return;
    request<DeploymentPolicy>('GET', `/deploymentPolicies/${encodeURIComponent(deploymentPolicy)}`).then((policy) => {
      const all = policy.networkPartitions.flatMap((np) => np.partitions.map((p) => `${np.id}/${p.id}`)).filter((id) => id !== `${member.networkPartitionId}/${member.partitionId}`);
      setTargets(all);
      setTo((current) => current || all[0] || '');
    }, setError);
  }, [deploymentPolicy, member.memberId]);
  // The newest state of this member's migration: the events' (or the answer's, until the first event).
  const latest = live.events.filter((e) => e.type === 'MemberMigration' && (e.payload as MemberMigrationPayload).memberId === member.memberId).map((e) => (e.payload as MemberMigrationPayload).migration).at(-1);
  const migration = latest && (!started || latest.migrationId === started.migrationId) ? latest : started;
  const migrate = async () => {
    setError(null);
    try {
      setStarted(await request<MemberMigrationView>('POST', `/members/${encodeURIComponent(member.memberId)}/migrate`, { to, ...(mode ? { mode } : {}) }));
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const running = migration && !['Done', 'Failed'].includes(migration.phase);
  return (
    <div class="migration">
      <h4>Migrate</h4>
      {targets.length === 0 ? (
        <p class="muted small">Its deployment policy has no other partition.</p>
      ) : (
        <div class="actions">
          <select aria-label="Target partition" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
            {targets.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
          <select aria-label="Migration mode" value={mode} onChange={(e) => setMode(e.currentTarget.value)}>
            <option value="">the cartridge's mode</option>
            <option value="cold">cold</option>
            <option value="live">live</option>
          </select>
          <button onClick={() => void migrate()} disabled={!to || !!running}>Migrate</button>
        </div>
      )}
      <ErrorView error={error} />
      {migration && (
        <p data-migration={migration.migrationId} data-phase={migration.phase}>
          <State value={migration.phase} /> {migration.from.partitionId} → {migration.to.partitionId} ({migration.mode}) · {(migration.copiedBytes / 1024 ** 2).toFixed(1)} MiB copied in {migration.rounds} round{migration.rounds === 1 ? '' : 's'}
          {migration.downtimeMs !== null && <> · down {migration.downtimeMs} ms</>}
          {migration.reason && <span class="warn"> · {migration.reason}</span>}
        </p>
      )}
    </div>
  );
}
