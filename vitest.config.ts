import { configDefaults, defineConfig } from 'vitest/config';

// Node-side tests. Each test file runs in its own forked process with its own database
// (test/support/database.ts), so files run in parallel without sharing state.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Worker suite (real wrangler processes) runs on its own: `npm run test:worker`; so does the
    // self-host suite (a build and an npm ci): `npm run test:self-host`.
    exclude: [...configDefaults.exclude, 'test/worker/**', 'test/self-host/**'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
