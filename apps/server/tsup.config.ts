import { boundkitConfig } from '../../tsup.shared.ts'

// An application: ESM only. `index` is what the CLI embeds, `main` the standalone entry.
export default boundkitConfig({ entry: ['src/index.ts', 'src/main.ts'], format: ['esm'] })
