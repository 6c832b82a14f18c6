export * from './iaas-driver';
export * from './labels';
export * from './local/local-process.driver';
export * from './docker/docker.driver';
export { sandboxAvailable } from './local/member-sandbox';
export * from './docker/member-network';
export * from './docker/leftovers';
export { LOCAL_MEMBER_UID_BASE, memberUidOf } from './local/member-user';
export { loopbackBlockOf } from './ports';
