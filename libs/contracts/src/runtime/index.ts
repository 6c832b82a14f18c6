export * from './lifecycle';
export * from './runtime-views';
export * from './agent-protocol';
