import { boundkitConfig } from '../../tsup.shared.ts'

// The worker entry is a separate file that piscina loads in each worker thread (not in `exports`).
export default boundkitConfig({ entry: ['src/index.ts', 'src/worker-entry.ts'] })
