export * from './aurora-snapshot-schedule';
export * from './retention';
export * from './snapshot-engine';
