import { boundkitTestConfig } from '../../vitest.shared.ts'

export default boundkitTestConfig(import.meta.url)
