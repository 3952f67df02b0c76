/**
 * Quiet hours: whether a moment falls in the plan's quiet period, and when that period ends.
 * Local time comes from Intl (the time zone database Node ships), so DST is the zone's own.
 *
 * @example
 * quietUntil({ from: '22:00', to: '07:00', timezone: 'Europe/Berlin' }, Date.now()) // → ms of 07:00 next morning, or undefined
 */
import { weekdays } from '../config/schema-plan.js';
import type { QuietHoursConfig } from '../config/schema.js';

const minutesPerDay = 24 * 60;

/**
 * When the quiet period that `nowMs` falls in ends (ms since epoch), or undefined when `nowMs` is not
 * in one. A period that wraps midnight (22:00–07:00) belongs to the day it starts on (for `days`).
 */
export function quietUntil(quiet: QuietHoursConfig | undefined, nowMs: number): number | undefined {
  if (!quiet) return undefined;
  const local = localTime(nowMs, quiet.timezone);
  const from = clockMinutes(quiet.from);
  const to = clockMinutes(quiet.to);
  const minute = local.minutes;
  let startDay: number | undefined;
  if (from < to) {
    if (minute >= from && minute < to) startDay = local.weekday;
  } else if (minute >= from) {
    startDay = local.weekday;
  } else if (minute < to) {
    startDay = (local.weekday + 6) % 7; // started yesterday evening
  }
  if (startDay === undefined) return undefined;
  if (quiet.days && !quiet.days.includes(weekdays[startDay]!)) return undefined;
  const minutesLeft = (to - minute + minutesPerDay) % minutesPerDay;
  // Whole minutes from the start of the current local minute (a DST change inside the period moves the end by its offset).
  return nowMs - local.msIntoMinute + minutesLeft * 60_000;
}

function clockMinutes(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

/** Minutes since local midnight, weekday (0 = Monday) and ms into the current minute, in `timeZone`. */
function localTime(nowMs: number, timeZone: string): { minutes: number; weekday: number; msIntoMinute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(nowMs));
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  const weekday = weekdays.indexOf(part('weekday').toLowerCase().slice(0, 3) as (typeof weekdays)[number]);
  return { minutes: Number(part('hour')) * 60 + Number(part('minute')), weekday, msIntoMinute: nowMs % 60_000 };
}
