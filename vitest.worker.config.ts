import { defineConfig } from 'vitest/config';

// The Worker suite (`npm run test:worker`): real wrangler builds and `wrangler dev` processes, so it
// is kept out of `npm test`. Each file starts its own wrangler on free ports; files run in parallel.
export default defineConfig({
  test: {
    include: ['test/worker/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
