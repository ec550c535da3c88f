import { fileURLToPath } from 'node:url'
import { configDefaults, mergeConfig } from 'vitest/config'
import { boundkitTestConfig } from '../../vitest.shared.ts'

export default mergeConfig(boundkitTestConfig(import.meta.url), {
  test: {
    // Watch mode: rebuild dist before each rerun (workers load the built pool, see the file) ...
    globalSetup: [fileURLToPath(new URL('./test/rebuild-on-rerun.ts', import.meta.url))],
    // ... and rerun on edits to files only workers load (no test imports them).
    forceRerunTriggers: [
      ...configDefaults.forceRerunTriggers,
      '**/pool/src/worker-entry.ts',
      '**/pool/test/fixtures/**',
    ],
  },
})
