/**
 * The part of Powertools Logger the function uses: one structured JSON line per call, with the cluster, the
 * snapshot and the decision as keys. Tests pass a recorder with the same shape.
 */
export interface SnapshotLogger {
  info(message: string, ...attributes: Array<Record<string, unknown>>): void;
  warn(message: string, ...attributes: Array<Record<string, unknown>>): void;
  error(message: string, ...attributes: Array<Record<string, unknown>>): void;
}
