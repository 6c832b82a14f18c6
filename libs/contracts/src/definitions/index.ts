export * from './definition-types';
export * from './definition-kind-names';
export * from './definition-kinds';
export * from './policies.schema';
export * from './application.schema';

