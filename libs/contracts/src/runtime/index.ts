export * from './lifecycle';
export * from './runtime-views';
export * from './agent-protocol';
export * from './member-metadata';
export * from './metadata-api';
export * from './baked-images';
export * from './cluster-spec';
export * from './agent-graces';
