import { fileURLToPath } from 'node:url'
import { defineConfig, type ViteUserConfig } from 'vitest/config'

/**
 * The test set-up every package shares. Sibling packages resolve to their built `dist`, as they do
 * for a user. The global set-up builds the package and its workspace dependencies when a build is
 * missing or older than its sources, so `pnpm --filter <name> test` works alone on a fresh install
 * (and worker entries, which Node 20 can only load as JavaScript, exist before any test starts).
 */
export function boundkitTestConfig(
  /** The `import.meta.url` of the package's vitest.config.ts. */
  configUrl: string,
  options: { testTimeout?: number; include?: string[] } = {},
): ViteUserConfig {
  const root = fileURLToPath(new URL('.', configUrl))
  return defineConfig({
    test: {
      root,
      include: options.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      globalSetup: [fileURLToPath(new URL('./scripts/ensure-built.ts', import.meta.url))],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    },
  })
}
