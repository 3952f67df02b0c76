/**
 * One id per process run. Monotonic times (process.hrtime) are only comparable within one run, so
 * every ObservedAt and timeline entry carries this id; latencies are computed only when they match.
 */
import { randomBytes } from 'node:crypto';

export const processRunId = `run_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
