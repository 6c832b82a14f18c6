export * from './bundle-archive';
