import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SnapshotLogger } from './snapshot-logger';
import { RunEvents, RunMetricNames } from '../decisions/run-metrics';

/** One metric value. */
export interface MetricValue {
  readonly name: string;
  readonly unit: 'Count' | 'Seconds' | 'Percent';
  readonly value: number;
}

const UNITS = { Count: MetricUnit.Count, Seconds: MetricUnit.Seconds, Percent: MetricUnit.Percent };

/**
 * Publishes what a run did: CloudWatch metrics as embedded metric format lines (Powertools Metrics) dimensioned by
 * cluster, and the outcome as an EventBridge event on the default bus that users can route.
 */
export class RunReporter {
  constructor(
    private readonly logger: SnapshotLogger,
    private readonly events?: EventBridgeClient,
    /** Where EMF lines go; CloudWatch Logs turns them into metrics. */
    private readonly emit: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  /**
   * Writes one EMF line with `values` for `cluster` (or for the whole region when it is undefined), plus
   * `extraDimensions` when given.
   */
  public metrics(cluster: string | undefined, values: MetricValue[], extraDimensions: Record<string, string> = {}):
  void {
    if (values.length === 0) {
      return;
    }
    const metrics = new Metrics({ namespace: RunMetricNames.NAMESPACE, serviceName: RunMetricNames.SERVICE });
    if (cluster !== undefined) {
      metrics.addDimension(RunMetricNames.CLUSTER_DIMENSION, cluster);
    }
    for (const [name, value] of Object.entries(extraDimensions)) {
      metrics.addDimension(name, value);
    }
    for (const value of values) {
      metrics.addMetric(value.name, UNITS[value.unit], value.value);
    }
    this.emit(JSON.stringify(metrics.serializeMetrics()));
    metrics.clearMetrics();
  }

  /** Puts a run outcome on the default event bus; a failure to do so is logged and never fails the run. */
  public async event(detailType: string, cluster: string, detail: Record<string, unknown>): Promise<void> {
    if (!this.events) {
      return;
    }
    try {
      const result = await this.events.send(new PutEventsCommand({
        Entries: [{ Source: RunEvents.SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) }],
      }));
      if ((result.FailedEntryCount ?? 0) > 0) {
        throw new Error(result.Entries?.[0]?.ErrorMessage ?? 'the entry was not accepted');
      }
    } catch (error) {
      this.logger.warn(`Could not publish the "${detailType}" event of cluster ${cluster}; the run goes on.`, {
        cluster, error: `${(error as Error).name}: ${(error as Error).message}`,
      });
    }
  }
}
