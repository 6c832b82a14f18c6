/**
 * Moving a member to another partition (`stratos member migrate M --to PARTITION`), possibly in
 * another region: cold — the member stops, its volumes' data is copied to the target's engine or
 * folder, and it starts there with the same member id, slot, metadata and data.
 */
import type { FieldIssue } from '../errors';

export const MIGRATION_MODES = ['cold'] as const;
export type MigrationMode = (typeof MIGRATION_MODES)[number];

/** Where a migration is: each a topology event (MemberMigration). */
export type MigrationPhase = 'Stopping' | 'Copying' | 'Starting' | 'Done' | 'RollingBack' | 'Failed';

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
  /** Volume data copied so far (Copying), in bytes. */
  copiedBytes: number;
  startedAt: string;
  /** When the member stopped on the source: its downtime starts. */
  stoppedAt: string | null;
  finishedAt: string | null;
  /** From the stop on the source to Active on the target (Done). */
  downtimeMs: number | null;
  /** Why it failed (Failed: the member runs on the source again, with its data). */
  reason: string | null;
}

export interface MigrationInput {
  /** The target partition: its id, or NETWORK_PARTITION/PARTITION where ids repeat across network partitions. */
  to: string;
  mode: MigrationMode;
}

/** The body of POST /api/members/{memberId}/migrate, checked: each problem at its pointer. */
export function validateMigrationInput(body: unknown): { value?: MigrationInput; errors: FieldIssue[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { errors: [{ path: '', message: 'must be an object: {to, mode?}' }] };
  const input = body as Record<string, unknown>;
  const errors: FieldIssue[] = [];
  for (const key of Object.keys(input)) if (key !== 'to' && key !== 'mode') errors.push({ path: `/${key}`, message: 'is not a field of a migration', allowed: ['to', 'mode'] });
  if (typeof input.to !== 'string' || !/^[A-Za-z0-9._-]{1,128}(\/[A-Za-z0-9._-]{1,128})?$/.test(input.to)) errors.push({ path: '/to', message: 'must name a partition of the member’s deployment policy: PARTITION or NETWORK_PARTITION/PARTITION' });
  if (input.mode !== undefined && input.mode !== 'live' && !MIGRATION_MODES.includes(input.mode as MigrationMode)) errors.push({ path: '/mode', message: 'must be cold', allowed: [...MIGRATION_MODES] });
  if (input.mode === 'live') errors.push({ path: '/mode', message: 'live migration is not built yet: cold stops the member, moves its data and starts it on the target', allowed: [...MIGRATION_MODES] });
  if (errors.length > 0) return { errors };
  return { value: { to: input.to as string, mode: (input.mode as MigrationMode | undefined) ?? 'cold' }, errors };
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
    /** Its migration's phase; Waiting: not started yet; Stays: no partition could take it (reason). */
    phase: MigrationPhase | 'Waiting' | 'Stays';
    reason: string | null;
  }[];
}
