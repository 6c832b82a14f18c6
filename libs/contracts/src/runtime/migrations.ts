/**
 * Moving a member to another partition (`stratos member migrate M --to PARTITION`), possibly in
 * another region, with the same member id, slot, metadata and data:
 * - cold: the member stops, its volumes' data is copied to the target's engine or folder, and it
 *   starts there;
 * - live: its volumes are copied while it serves (a full copy, then the files changed since, in
 *   rounds), then it is frozen (container pause, SIGSTOP) for the last changes, started on the
 *   target, and its address switched in every tree; the frozen source is killed, never resumed.
 */
import type { FieldIssue } from '../errors';

export const MIGRATION_MODES = ['cold', 'live'] as const;
export type MigrationMode = (typeof MIGRATION_MODES)[number];

/** The cartridge property (`property` list) that says how its members move when the command does not say: cold (the default) or live. */
export const MIGRATION_MODE_PROPERTY = 'migration.mode';

/** Each `migration.mode` property of a `property` list that is not a mode, at its pointer (`at`/i/value). */
export function migrationModeIssues(properties: { name: string; value?: string }[], at: string): FieldIssue[] {
  return properties.flatMap((p, i) => (p.name === MIGRATION_MODE_PROPERTY && !MIGRATION_MODES.includes(p.value as MigrationMode) ? [{ path: `${at}/${i}/value`, message: 'must be cold or live', allowed: [...MIGRATION_MODES] }] : []));
}

/**
 * Where a migration is: each a topology event (MemberMigration). Cold: Stopping → Copying →
 * Starting → Done. Live: Copying (rounds, while it serves) → Freezing (frozen, the last changes
 * copied) → Starting (on the target; the source frozen) → Done. Either: → RollingBack → Failed.
 */
export type MigrationPhase = 'Stopping' | 'Copying' | 'Freezing' | 'Starting' | 'Done' | 'RollingBack' | 'Failed';

export interface MigrationEnd {
  networkPartitionId: string;
  partitionId: string;
  /** The driver of its region (docker, docker@eu, local@west). */
  driver: string;
}

export interface MemberMigrationView {
  migrationId: string;
  memberId: string;
  applicationId: string;
  clusterId: string;
  mode: MigrationMode;
  from: MigrationEnd;
  to: MigrationEnd;
  phase: MigrationPhase;
  /** Volume data copied so far, in bytes (live: every round's). */
  copiedBytes: number;
  /** Copy rounds done (cold: 1; live: those while it served, and the frozen one). */
  rounds: number;
  startedAt: string;
  /** When the member stopped (cold) or was frozen (live) on the source: its downtime starts. */
  stoppedAt: string | null;
  finishedAt: string | null;
  /** From the stop or freeze on the source to serving from the target (Done): live, the freeze window. */
  downtimeMs: number | null;
  /** Why it failed (Failed: the member runs on the source again, with its data). */
  reason: string | null;
}

export interface MigrationInput {
  /** The target partition: its id, or NETWORK_PARTITION/PARTITION where ids repeat across network partitions. */
  to: string;
  /** None: the cartridge's `migration.mode` property, else cold. */
  mode?: MigrationMode;
}

/** The body of POST /api/members/{memberId}/migrate, checked: each problem at its pointer. */
export function validateMigrationInput(body: unknown): { value?: MigrationInput; errors: FieldIssue[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { errors: [{ path: '', message: 'must be an object: {to, mode?}' }] };
  const input = body as Record<string, unknown>;
  const errors: FieldIssue[] = [];
  for (const key of Object.keys(input)) if (key !== 'to' && key !== 'mode') errors.push({ path: `/${key}`, message: 'is not a field of a migration', allowed: ['to', 'mode'] });
  if (typeof input.to !== 'string' || !/^[A-Za-z0-9._-]{1,128}(\/[A-Za-z0-9._-]{1,128})?$/.test(input.to)) errors.push({ path: '/to', message: 'must name a partition of the member’s deployment policy: PARTITION or NETWORK_PARTITION/PARTITION' });
  if (input.mode !== undefined && !MIGRATION_MODES.includes(input.mode as MigrationMode)) errors.push({ path: '/mode', message: 'must be cold or live', allowed: [...MIGRATION_MODES] });
  if (errors.length > 0) return { errors };
  return { value: { to: input.to as string, ...(input.mode !== undefined ? { mode: input.mode as MigrationMode } : {}) }, errors };
}

/** A partition being emptied (`stratos partition drain`): closed to new members, each of its members migrated elsewhere. */
export interface PartitionDrainView {
  networkPartitionId: string;
  partitionId: string;
  /** Closed to new members (until `stratos partition uncordon`). */
  cordoned: boolean;
  state: 'Running' | 'Finished';
  startedAt: string;
  finishedAt: string | null;
  members: {
    memberId: string;
    clusterId: string;
    /** Where it goes (NETWORK_PARTITION/PARTITION), once chosen. */
    to: string | null;
    migrationId: string | null;
    /** How it moves, once its target is chosen: its cartridge's migration.mode where the target is another region, else cold. */
    mode: MigrationMode | null;
    /** Its migration's phase; Waiting: not started yet; Stays: no partition could take it (reason). */
    phase: MigrationPhase | 'Waiting' | 'Stays';
    reason: string | null;
  }[];
}
