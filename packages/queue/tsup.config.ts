import { boundkitConfig, SHARED_TYPES } from '../../tsup.shared.ts'

export default boundkitConfig({ sharedTypes: SHARED_TYPES })
