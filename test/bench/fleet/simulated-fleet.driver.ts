/**
 * The IaaS layer of the agents benchmark, and only that: a driver whose "instances" are agents
 * the benchmark process simulates. launch() hands the member's launch payload (its own broker
 * credentials included) to the parent over IPC, which connects an MQTT client as that member;
 * everything else — the controller, the broker and its per-member identities, PostgreSQL — is
 * the real platform. Thousands of real agents (≈30 MB each) do not fit one machine.
 */
import type { ActualInstance, IaasDriver, LaunchedInstance, LaunchSpec } from '@stratos/iaas';

export const FLEET_LAUNCH = 'fleet:launch';
export const FLEET_TERMINATE = 'fleet:terminate';

export interface FleetLaunch {
  type: typeof FLEET_LAUNCH;
  memberId: string;
  clusterId: string;
  env: Record<string, string>;
}

export class SimulatedFleetDriver implements IaasDriver {
  readonly name = 'local';
  private readonly instances = new Map<string, ActualInstance>();

  async launch(spec: LaunchSpec): Promise<LaunchedInstance> {
    this.instances.set(spec.memberId, { instanceId: spec.memberId, memberId: spec.memberId, clusterId: spec.clusterId, applicationId: spec.applicationId, running: true });
    process.send!({ type: FLEET_LAUNCH, memberId: spec.memberId, clusterId: spec.clusterId, env: spec.env } satisfies FleetLaunch);
    return { instanceId: spec.memberId, host: '127.0.0.1', ports: [] };
  }

  async terminate(instanceId: string): Promise<void> {
    if (this.instances.delete(instanceId)) process.send!({ type: FLEET_TERMINATE, memberId: instanceId });
  }

  async list(): Promise<ActualInstance[]> {
    return [...this.instances.values()];
  }

  async imageExists(): Promise<boolean> {
    return true;
  }

  async logs(): Promise<{ text: string; cursor: string }> {
    return { text: '', cursor: '0' };
  }

  async removeVolumes(): Promise<void> {}
}
