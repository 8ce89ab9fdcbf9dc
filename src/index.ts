export * from './aurora-snapshot-schedule';
export * from './retention';
export * from './snapshot-engine';
export { SnapshotNotifications, ScheduleAlarms } from './snapshot-monitoring';
export type { ScheduleAlarmsProps } from './snapshot-monitoring';
