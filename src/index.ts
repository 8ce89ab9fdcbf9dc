export * from './aurora-snapshot-schedule';
export * from './retention';
export * from './snapshot-engine';
export { SnapshotNotifications, ScheduleAlarms, ScheduleAlarmsProps } from './snapshot-monitoring';
