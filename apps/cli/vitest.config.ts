import { boundkitTestConfig } from '../../vitest.shared.ts'

// The end-to-end tests run the built binary (and the demo) as child processes: generous timeouts.
export default boundkitTestConfig(import.meta.url, { testTimeout: 240_000 })
