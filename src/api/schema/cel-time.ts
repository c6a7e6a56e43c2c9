/**
 * Timestamps and durations in cel-go's terms: the calendar getters with a time zone as cel-go's `timeZone` reads it
 * (an IANA name, or "[+-]HH:MM" east of UTC; `common/types/timestamp.go`), and `string()` of a timestamp (Go's
 * RFC3339Nano in the zone it was written in) and of a duration (seconds, protobuf's JSON form). Pure.
 */
import { TIMESTAMP_OFFSET } from "./cel-values.js";

export const TIME_GETTERS = [
  "getDate",
  "getDayOfMonth",
  "getDayOfWeek",
  "getDayOfYear",
  "getFullYear",
  "getHours",
  "getMilliseconds",
  "getMinutes",
  "getMonth",
  "getSeconds",
] as const;
export const DURATION_GETTERS = new Set(["getHours", "getMilliseconds", "getMinutes", "getSeconds"]);

interface TimeParts {
  year: number;
  month: number;
  date: number;
  hours: number;
  minutes: number;
  seconds: number;
  ms: number;
  weekday: number;
  dayOfYear: number;
}

/** The calendar fields of `d` in `tz`: cel-go's timeZone (an IANA name, or "[+-]HH:MM" east of UTC). */
export function timeParts(d: Date, tz = "UTC"): TimeParts {
  let shifted: Date;
  const colon = tz.indexOf(":");
  if (colon >= 0) {
    const hr = Number.parseInt(tz.slice(0, colon), 10);
    const min = Number.parseInt(tz.slice(colon + 1), 10);
    if (Number.isNaN(hr) || Number.isNaN(min)) throw new Error(`invalid time zone: ${tz}`);
    const offset = tz.startsWith("-") ? hr * 60 - min : hr * 60 + min;
    shifted = new Date(d.getTime() + offset * 60_000);
  } else {
    let fields: Record<string, string>;
    try {
      const fmt = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
      fields = Object.fromEntries(fmt.formatToParts(d).map((p) => [p.type, p.value]));
    } catch {
      throw new Error(`unknown time zone ${tz}`);
    }
    const n = (k: string) => Number(fields[k]);
    shifted = new Date(
      Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"), d.getUTCMilliseconds()),
    );
  }
  const startOfYear = Date.UTC(shifted.getUTCFullYear(), 0, 1);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth(),
    date: shifted.getUTCDate(),
    hours: shifted.getUTCHours(),
    minutes: shifted.getUTCMinutes(),
    seconds: shifted.getUTCSeconds(),
    ms: shifted.getUTCMilliseconds(),
    weekday: shifted.getUTCDay(),
    dayOfYear: Math.floor((shifted.getTime() - startOfYear) / 86_400_000),
  };
}

export const TIME_FIELD: Record<(typeof TIME_GETTERS)[number], (p: TimeParts) => number> = {
  getDate: (p) => p.date,
  getDayOfMonth: (p) => p.date - 1,
  getDayOfWeek: (p) => p.weekday,
  getDayOfYear: (p) => p.dayOfYear,
  getFullYear: (p) => p.year,
  getHours: (p) => p.hours,
  getMilliseconds: (p) => p.ms,
  getMinutes: (p) => p.minutes,
  getMonth: (p) => p.month,
  getSeconds: (p) => p.seconds,
};

/** Go's time.Format(time.RFC3339Nano) in the zone the timestamp was written in: trailing zeros trimmed, Z for UTC. */
export function formatTimestamp(d: Date & { [TIMESTAMP_OFFSET]?: number }): string {
  const offset = d[TIMESTAMP_OFFSET] ?? 0;
  const local = new Date(d.getTime() + offset * 60_000).toISOString(); // 2011-08-18T19:03:37.010Z
  const fraction = local.slice(19, 23).replace(/\.?0+$/, "");
  const zone =
    offset === 0
      ? "Z"
      : `${offset < 0 ? "-" : "+"}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0")}:${String(Math.abs(offset) % 60).padStart(2, "0")}`;
  return `${local.slice(0, 19)}${fraction}${zone}`;
}

/** cel-go's string(duration): seconds in decimal, shortest, then "s" (protobuf's JSON form). */
export function formatDuration(d: { seconds: bigint; nanos: number }): string {
  const total = Number(d.seconds) + d.nanos / 1e9;
  return `${total.toFixed(9).replace(/\.?0+$/, "")}s`;
}
