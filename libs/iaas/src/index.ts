export * from './iaas-driver';
export * from './local/local-process.driver';
