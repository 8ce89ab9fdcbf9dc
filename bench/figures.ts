/**
 * The figures a benchmark run measures: one line each on the console, the same in `bench/results.json`.
 * Figures are printed, never asserted: a missed goal is reported, not thrown.
 */

/** One measured figure. */
export interface Figure {
  /** The part of the benchmark it belongs to, e.g. `stack scale`. */
  readonly section: string;
  /** What was measured, in words, e.g. `resources, 400 clusters`. */
  readonly name: string;
  /** The measured value. */
  readonly value: number;
  /** The unit of the value, e.g. `bytes`, `ms`, `USD`. */
  readonly unit: string;
  /** The goal in words, e.g. `<= 500`; absent when the figure is for information only. */
  readonly goal?: string;
  /** Whether the value meets the goal; absent when there is no goal. */
  readonly met?: boolean;
  /** How the figure was obtained, when the name does not say. */
  readonly note?: string;
}

/** Collects figures and prints each one as it is recorded. */
export class FigureBook {
  /** Every figure so far, in the order recorded. */
  public readonly figures: Figure[] = [];

  /** Records a figure and prints its line. */
  public record(figure: Figure): Figure {
    this.figures.push(figure);
    console.log(figureLine(figure));
    return figure;
  }

  /** Records a figure whose goal is an upper bound. */
  public atMost(section: string, name: string, value: number, unit: string, limit: number, note?: string): Figure {
    return this.record({ section, name, value, unit, goal: `<= ${formatNumber(limit)}`, met: value <= limit, note });
  }

  /** Records a figure without a goal. */
  public info(section: string, name: string, value: number, unit: string, note?: string): Figure {
    return this.record({ section, name, value, unit, note });
  }

  /** The figure recorded under `section` and `name`; throws when there is none, which is a bug in the benchmark. */
  public get(section: string, name: string): Figure {
    const figure = this.figures.find((candidate) => candidate.section === section && candidate.name === name);
    if (!figure) {
      throw new Error(`The benchmark recorded no figure "${name}" in section "${section}".`);
    }
    return figure;
  }

  /** The figures whose goal was missed. */
  public get missed(): Figure[] {
    return this.figures.filter((figure) => figure.met === false);
  }
}

/** `section | name: value unit | goal: ... | met`, the line printed for a figure. */
export function figureLine(figure: Figure): string {
  const verdict = figure.met === undefined ? '-' : figure.met ? 'met' : 'MISSED';
  return `${figure.section} | ${figure.name}: ${formatNumber(figure.value)} ${figure.unit} `
    + `| goal: ${figure.goal ?? '-'} | ${verdict}${figure.note ? ` (${figure.note})` : ''}`;
}

/** A number as people read it: thousands separated, at most four significant decimals for small values. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value)) {
    return value.toLocaleString('en-US');
  }
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : magnitude >= 0.01 ? 4 : 6;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** The median of some measurements. */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    throw new Error('The median of no measurements is undefined.');
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Rounds to `digits` decimals, for figures that are measured rather than counted. */
export function rounded(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
