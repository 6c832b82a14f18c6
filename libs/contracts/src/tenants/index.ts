export * from './tenants';
export * from './signups';
