import { defineConfig } from 'vitest/config';

// `npm run test:self-host`: build, ship into a fresh folder, `npm ci --omit=dev`, migrate a fresh
// PostgreSQL database and start the production server (test/self-host). Slow (a build and an npm ci),
// so it is kept out of `npm test`; .ci/run runs it.
export default defineConfig({
  test: {
    include: ['test/self-host/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // The steps of one file depend on each other (build → install → migrate → start): in order.
    sequence: { concurrent: false },
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
