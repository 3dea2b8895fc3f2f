export * from './activities';
export * from './auth';
export * from './catalog';
export * from './errors';
export * from './purchase';
export * from './temporal';
export * from './workflow-input';
