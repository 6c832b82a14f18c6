/**
 * Member, cluster and application states (Stratos's), and the member transitions the
 * controller accepts. The controller is the only writer of state; an event that does not fit
 * the current state is logged and ignored.
 */
export const MemberStatus = {
  Created: 'Created',
  Initialized: 'Initialized',
  Starting: 'Starting',
  Active: 'Active',
  Suspended: 'Suspended',
  InMaintenance: 'In_Maintenance',
  ReadyToShutDown: 'ReadyToShutDown',
  Terminated: 'Terminated',
  Lost: 'Lost',
  /** Being moved to another partition (`stratos member migrate`): stopped on one side, started on the other; the platform's doing, not a failure. */
  Migrating: 'Migrating',
} as const;
export type MemberStatus = (typeof MemberStatus)[keyof typeof MemberStatus];

const M = MemberStatus;
const TRANSITIONS: Record<MemberStatus, MemberStatus[]> = {
  [M.Created]: [M.Initialized, M.Starting, M.Terminated, M.Lost],
  [M.Initialized]: [M.Starting, M.Active, M.ReadyToShutDown, M.Terminated, M.Lost],
  [M.Starting]: [M.Active, M.ReadyToShutDown, M.Terminated, M.Lost],
  [M.Active]: [M.Suspended, M.InMaintenance, M.ReadyToShutDown, M.Terminated, M.Lost, M.Migrating],
  [M.Suspended]: [M.Active, M.InMaintenance, M.ReadyToShutDown, M.Terminated, M.Lost, M.Migrating],
  [M.InMaintenance]: [M.Active, M.Suspended, M.ReadyToShutDown, M.Terminated, M.Lost, M.Migrating],
  // Its agent stopping on the source says ReadyToShutDown: not a shutdown of the member, so not taken. Started again: Starting.
  [M.Migrating]: [M.Starting, M.Active, M.Terminated, M.Lost],
  [M.ReadyToShutDown]: [M.Terminated, M.Lost],
  [M.Lost]: [M.Terminated],
  [M.Terminated]: [],
};

export function canTransition(from: MemberStatus, to: MemberStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * A refused transition that is only late, not wrong: the agent of a member already Lost (a crash
 * loop's every member) or moving away says it is ready to shut down as it stops. Not worth a line
 * of the controller's log each time; any other refusal is.
 */
export function isLateShutdownWord(from: MemberStatus, to: MemberStatus): boolean {
  return to === M.ReadyToShutDown && (from === M.Lost || from === M.Migrating);
}

/** States in which a member counts towards its cluster's desired size. */
export const LIVE_MEMBER_STATES: readonly MemberStatus[] = [M.Created, M.Initialized, M.Starting, M.Active, M.Suspended, M.InMaintenance, M.Migrating];

export const ClusterStatus = { Created: 'Created', Active: 'Active', Inactive: 'Inactive', Terminating: 'Terminating', Terminated: 'Terminated' } as const;
export type ClusterStatus = (typeof ClusterStatus)[keyof typeof ClusterStatus];

/** A cluster whose group instance is being removed: its members go, then it does. */
export const isLeaving = (cluster: { status: ClusterStatus }): boolean => cluster.status === ClusterStatus.Terminating;

export const ApplicationStatus = { Created: 'Created', Active: 'Active', Inactive: 'Inactive', Terminating: 'Terminating', Terminated: 'Terminated' } as const;
export type ApplicationStatus = (typeof ApplicationStatus)[keyof typeof ApplicationStatus];
