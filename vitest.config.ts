import { defineConfig } from 'vitest/config';

// Integration tests start real anvil and redis-server processes; on a 2-core machine running
// many files at once makes them flaky, so files run in at most two workers.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'detectors/**/*.test.ts', 'responders/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    fileParallelism: true,
  },
});
