import { describe, expect, it } from 'vitest';
import { quietUntil } from './quiet-hours.js';

const utc = (day: number, hour: number, minute = 0, second = 0) => Date.UTC(2026, 10, day, hour, minute, second); // Nov 2026: the 23rd is a Monday

describe('quiet hours', () => {
  it('ends a period that wraps midnight the next morning, in the zone given', () => {
    const quiet = { from: '22:00', to: '07:00', timezone: 'UTC' };
    expect(quietUntil(quiet, utc(26, 23, 30, 15))).toBe(utc(27, 7));
    expect(quietUntil(quiet, utc(27, 3))).toBe(utc(27, 7));
    expect(quietUntil(quiet, utc(26, 21, 59, 59))).toBeUndefined();
    expect(quietUntil(quiet, utc(27, 7))).toBeUndefined(); // the end is not quiet
    // Berlin is UTC+1 in November: 22:00 there is 21:00 UTC.
    expect(quietUntil({ ...quiet, timezone: 'Europe/Berlin' }, utc(26, 21, 30))).toBe(utc(27, 6));
  });

  it('handles a period within one day', () => {
    const quiet = { from: '12:00', to: '13:30', timezone: 'UTC' };
    expect(quietUntil(quiet, utc(26, 12, 45))).toBe(utc(26, 13, 30));
    expect(quietUntil(quiet, utc(26, 13, 30))).toBeUndefined();
    expect(quietUntil(undefined, utc(26, 12, 45))).toBeUndefined();
  });

  it('counts a night to the day it starts on when days are listed', () => {
    const weekend = { from: '20:00', to: '08:00', timezone: 'UTC', days: ['sat' as const, 'sun' as const] };
    expect(quietUntil(weekend, utc(28, 21))).toBe(utc(29, 8)); // Saturday night
    expect(quietUntil(weekend, utc(30, 3))).toBe(utc(30, 8)); // Monday 03:00 belongs to Sunday night
    expect(quietUntil(weekend, utc(27, 21))).toBeUndefined(); // Friday night
    expect(quietUntil(weekend, utc(28, 3))).toBeUndefined(); // Saturday 03:00 belongs to Friday night
  });
});
