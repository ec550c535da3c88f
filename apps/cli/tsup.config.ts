import { boundkitConfig } from '../../tsup.shared.ts'

// An application, not a library: one ESM entry with a shebang, no declaration files.
export default boundkitConfig({ entry: ['src/main.ts'], format: ['esm'], dts: false })
