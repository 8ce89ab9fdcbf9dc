/**
 * Calendar periods of an instant as a clock in one IANA time zone shows it: hour, day, ISO week,
 * month and year.
 *
 * Only `Intl.DateTimeFormat` with an explicit `timeZone` is consulted, and all other arithmetic is
 * done on UTC fields, so no answer here depends on the process's `TZ`.
 *
 * Period keys:
 * - hour `2026-11-29T14`; when a fall-back makes the same wall-clock hour happen twice, both
 *   occurrences carry their UTC offset, `2026-10-25T02+02:00` and `2026-10-25T02+01:00`, so they are
 *   two periods, not one. Every other hour has no offset in its key.
 * - day `2026-11-29`, from local midnight to local midnight (23, 24 or 25 hours long).
 * - ISO week `2026-W48`: weeks start on Monday, and the week-year is the year that holds the week's
 *   Thursday, so 2027-01-01 falls in `2026-W53` and 2020-12-31 in `2020-W53`.
 * - month `2026-11`, year `2026`.
 */

/** A calendar period that retention rules count in. */
export type CalendarPeriod = 'hour' | 'day' | 'week' | 'month' | 'year';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The zone's offset is measured at the edges of blocks this long. A zone changes its offset at most
 * once within such a block, so where both edges agree the offset holds for the whole block, and where
 * they differ one binary search finds the moment of change.
 */
const BLOCK_SECONDS = 6 * 3600;

/** Date, time with optional seconds and fraction, then `Z` or an offset; groups 8 to 11 hold the zone. */
const ISO_INSTANT = new RegExp('^(\\d{4})-(\\d{2})-(\\d{2})[Tt](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?'
  + '(?:([Zz])|([+-])(\\d{2}):(\\d{2}))$');

/** How far either side of an instant to look for a second offset that repeats its wall-clock hour. */
const REPEAT_REACH_MS = 3 * HOUR_MS;

/** Calendars made so far, by the time zone name they were asked for. */
const calendars = new Map<string, ZoneCalendar>();

/** Where, inside one offset block, the zone changes its offset. */
interface OffsetShift {
  /** First epoch second on the new offset. */
  readonly atSecond: number;
  /** The new offset in milliseconds. */
  readonly offsetMs: number;
}

/**
 * Whether `Intl` knows `zone` as a time zone.
 *
 * @param zone an IANA time zone name such as `Europe/Berlin`
 */
export function isValidTimeZone(zone: string): boolean {
  if (typeof zone !== 'string' || zone.length === 0) {
    return false;
  }
  if (calendars.has(zone)) {
    return true;
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone.length > 0;
  } catch {
    return false;
  }
}

/**
 * Parses an ISO-8601 instant with a date, a time and a UTC designator or offset
 * (`2026-11-29T14:00:00Z`, `2026-11-29T15:00:00.123+01:00`) into epoch milliseconds.
 *
 * @returns `undefined` when the text is not such an instant or names a day or time that does not exist
 */
export function parseIsoInstant(text: string | undefined): number | undefined {
  if (typeof text !== 'string') {
    return undefined;
  }
  const match = ISO_INSTANT.exec(text);
  if (!match) {
    return undefined;
  }
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  const millis = match[7] === undefined ? 0 : Number(match[7].padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  let offsetMs = 0;
  if (match[8] === undefined) {
    const offsetHours = Number(match[10]);
    const offsetMinutes = Number(match[11]);
    if (offsetHours > 23 || offsetMinutes > 59) {
      return undefined;
    }
    offsetMs = (match[9] === '-' ? -1 : 1) * (offsetHours * HOUR_MS + offsetMinutes * 60_000);
  }
  return utcMillis(year, month, day, hour, minute, second) + millis - offsetMs;
}

/**
 * Formats a UTC offset as `+01:00`, `-03:30` or, for the odd historical offset, `+00:53:28`.
 *
 * @param offsetMs the offset in milliseconds, east of UTC positive
 */
export function formatUtcOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const totalSeconds = Math.round(Math.abs(offsetMs) / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const text = `${sign}${pad(hours, 2)}:${pad(minutes, 2)}`;
  return seconds === 0 ? text : `${text}:${pad(seconds, 2)}`;
}

/**
 * The calendar of one time zone. It remembers the zone's offsets as it learns them, so asking about
 * many instants costs few `Intl` calls; get one through {@link calendarFor} to share that memory.
 */
export class ZoneCalendar {
  /** The time zone as `Intl` resolved it. */
  public readonly timeZone: string;
  private readonly wallClock: Intl.DateTimeFormat;
  private readonly edgeOffsets = new Map<number, number>();
  private readonly shifts = new Map<number, OffsetShift>();

  /**
   * @param timeZone an IANA time zone name
   * @throws RangeError when `Intl` does not know the time zone
   */
  public constructor(timeZone: string) {
    this.wallClock = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    this.timeZone = this.wallClock.resolvedOptions().timeZone;
  }

  /** The zone's UTC offset at an instant, in milliseconds, east of UTC positive. */
  public offsetAt(epochMs: number): number {
    const second = Math.floor(epochMs / 1000);
    const block = Math.floor(second / BLOCK_SECONDS);
    const before = this.edgeOffset(block);
    if (before === this.edgeOffset(block + 1)) {
      return before;
    }
    const shift = this.shiftIn(block, before);
    return second < shift.atSecond ? before : shift.offsetMs;
  }

  /** The key of the period of `period` that holds the instant. */
  public periodKey(period: CalendarPeriod, epochMs: number): string {
    switch (period) {
      case 'hour':
        return this.hourKey(epochMs);
      case 'day':
        return this.dayKey(epochMs);
      case 'week':
        return this.weekKey(epochMs);
      case 'month':
        return this.monthKey(epochMs);
      case 'year':
        return this.yearKey(epochMs);
    }
  }

  /** `2026-11-29T14`, or `2026-10-25T02+01:00` for an hour that the clock shows twice. */
  public hourKey(epochMs: number): string {
    const offsetMs = this.offsetAt(epochMs);
    const wall = new Date(epochMs + offsetMs);
    const key = `${dateKey(wall)}T${pad(wall.getUTCHours(), 2)}`;
    const hourStart = Math.floor((epochMs + offsetMs) / HOUR_MS) * HOUR_MS;
    return this.isRepeatedHour(hourStart, offsetMs, epochMs) ? `${key}${formatUtcOffset(offsetMs)}` : key;
  }

  /** `2026-11-29`: the local date. */
  public dayKey(epochMs: number): string {
    return dateKey(this.wall(epochMs));
  }

  /** `2026-W48`: the ISO-8601 week-year and week of the local date. */
  public weekKey(epochMs: number): string {
    const wallMs = epochMs + this.offsetAt(epochMs);
    const dayNumber = Math.floor(wallMs / DAY_MS);
    // 1970-01-01 was a Thursday; count weekdays from Monday = 0.
    const weekday = (((dayNumber + 3) % 7) + 7) % 7;
    const thursday = dayNumber - weekday + 3;
    const weekYear = new Date(thursday * DAY_MS).getUTCFullYear();
    const firstDay = Math.floor(utcMillis(weekYear, 1, 1, 0, 0, 0) / DAY_MS);
    const week = Math.floor((thursday - firstDay) / 7) + 1;
    return `${yearText(weekYear)}-W${pad(week, 2)}`;
  }

  /** `2026-11`: the local year and month. */
  public monthKey(epochMs: number): string {
    const wall = this.wall(epochMs);
    return `${yearText(wall.getUTCFullYear())}-${pad(wall.getUTCMonth() + 1, 2)}`;
  }

  /** `2026`: the local year. */
  public yearKey(epochMs: number): string {
    return yearText(this.wall(epochMs).getUTCFullYear());
  }

  /** The local wall-clock time of an instant, carried in a Date's UTC fields. */
  private wall(epochMs: number): Date {
    return new Date(epochMs + this.offsetAt(epochMs));
  }

  /**
   * Whether the wall-clock hour starting at `hourStart` (local milliseconds) also happens on an
   * offset other than `offsetMs`, as it does on the night a zone falls back.
   */
  private isRepeatedHour(hourStart: number, offsetMs: number, epochMs: number): boolean {
    for (const other of [this.offsetAt(epochMs - REPEAT_REACH_MS), this.offsetAt(epochMs + REPEAT_REACH_MS)]) {
      if (other === offsetMs) {
        continue;
      }
      const first = hourStart - other;
      if (this.offsetAt(first) === other || this.offsetAt(first + HOUR_MS - 1) === other) {
        return true;
      }
    }
    return false;
  }

  private edgeOffset(block: number): number {
    let offsetMs = this.edgeOffsets.get(block);
    if (offsetMs === undefined) {
      offsetMs = this.measureOffset(block * BLOCK_SECONDS);
      this.edgeOffsets.set(block, offsetMs);
    }
    return offsetMs;
  }

  private shiftIn(block: number, before: number): OffsetShift {
    let shift = this.shifts.get(block);
    if (shift === undefined) {
      // Invariant: the offset at `low` is `before`, the offset at `high` is not.
      let low = block * BLOCK_SECONDS;
      let high = low + BLOCK_SECONDS;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (this.measureOffset(middle) === before) {
          low = middle;
        } else {
          high = middle;
        }
      }
      shift = { atSecond: high, offsetMs: this.measureOffset(high) };
      this.shifts.set(block, shift);
    }
    return shift;
  }

  /** Asks `Intl` for the wall clock at an epoch second and returns how far it is ahead of UTC. */
  private measureOffset(epochSecond: number): number {
    const fields: Record<string, number> = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
    let beforeCommonEra = false;
    for (const part of this.wallClock.formatToParts(epochSecond * 1000)) {
      if (part.type === 'era') {
        beforeCommonEra = part.value.startsWith('B');
      } else if (part.type in fields) {
        fields[part.type] = Number(part.value);
      }
    }
    const year = beforeCommonEra ? 1 - fields.year : fields.year;
    return utcMillis(year, fields.month, fields.day, fields.hour, fields.minute, fields.second) - epochSecond * 1000;
  }
}

/**
 * The shared calendar of a time zone, made on first use.
 *
 * @param timeZone an IANA time zone name such as `Europe/Berlin`
 * @throws RangeError when `Intl` does not know the time zone
 */
export function calendarFor(timeZone: string): ZoneCalendar {
  let calendar = calendars.get(timeZone);
  if (calendar === undefined) {
    calendar = new ZoneCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

/**
 * The key of the period that holds an instant in a time zone, e.g. `periodKey('week', ms, 'Europe/Berlin')`.
 *
 * @param period hour, day, week, month or year
 * @param epochMs the instant in epoch milliseconds
 * @param timeZone an IANA time zone name
 */
export function periodKey(period: CalendarPeriod, epochMs: number, timeZone: string): string {
  return calendarFor(timeZone).periodKey(period, epochMs);
}

/** Epoch milliseconds of a UTC date and time; unlike `Date.UTC`, years 0 to 99 mean themselves. */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 100) {
    return Date.UTC(year, month - 1, day, hour, minute, second);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function dateKey(wall: Date): string {
  return `${yearText(wall.getUTCFullYear())}-${pad(wall.getUTCMonth() + 1, 2)}-${pad(wall.getUTCDate(), 2)}`;
}

function yearText(year: number): string {
  return year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
