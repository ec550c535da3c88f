import { boundkitConfig, SHARED_TYPES } from '../../tsup.shared.ts'

// The worker entry is a separate file that piscina loads in each worker thread (not in `exports`).
export default boundkitConfig({
  entry: ['src/index.ts', 'src/worker-entry.ts'],
  // Only the package's own module has types: the entry is loaded by path, never imported.
  dts: { entry: ['src/index.ts'] },
  sharedTypes: SHARED_TYPES,
})
