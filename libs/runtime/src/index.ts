export * from './embedded-postgres';
export * from './embedded-broker';
export * from './ports';
export * from './run-main';
export * from './process-logger';
export * from './connection-metrics';
export * from './processes';
export * from './home-database';
