export * from './zip-archive';
export * from './stratos-folder';
