import { defineConfig } from 'vitest/config'

/**
 * End-to-end tests: each file starts the whole stack (wrangler dev on local D1, R2, Queues and
 * Durable Objects) and drives the console in Debian's Chromium, so files run one at a time.
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
})
