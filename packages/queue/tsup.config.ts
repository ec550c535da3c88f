import { boundkitConfig } from '../../tsup.shared.ts'

export default boundkitConfig()
