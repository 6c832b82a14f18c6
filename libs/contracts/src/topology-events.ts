import type { CartridgeView } from './cartridge';

export const TopologyEventType = {
  ServiceCreated: 'ServiceCreated',
  ServiceUpdated: 'ServiceUpdated',
  ServiceRemoved: 'ServiceRemoved',
} as const;
export type TopologyEventType = (typeof TopologyEventType)[keyof typeof TopologyEventType];

export interface ServicePayload {
  serviceName: string;
  cartridge: CartridgeView;
}
export interface ServiceRemovedPayload {
  serviceName: string;
}

interface PayloadOf {
  ServiceCreated: ServicePayload;
  ServiceUpdated: ServicePayload;
  ServiceRemoved: ServiceRemovedPayload;
}

/**
 * A topology event as published on MQTT and streamed to watchers. `revision` increases
 * by one per change of the topology, across all event types, so that a watcher can resume
 * from the last revision it saw; `eventId` makes a duplicate (QoS 1) delivery harmless.
 */
export interface TopologyEvent<T extends TopologyEventType = TopologyEventType> {
  eventId: string;
  revision: number;
  type: T;
  timestamp: string;
  payload: PayloadOf[T];
}
