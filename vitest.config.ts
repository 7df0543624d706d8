import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'eval/**/*.test.ts'],
    // Builds dist/ first when a source changed: the tests that run `rekap` run the built JavaScript.
    globalSetup: ['test/support/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a page or a server to get there: 1 s by default, too tight on a busy
    // 2-core machine (a Chromium page's next answer took longer than that in CI).
    expect: { poll: { timeout: 30_000 } },
    // Two cores: files run in parallel two at a time.
    maxWorkers: 2,
  },
});
