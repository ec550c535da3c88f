import { boundkitConfig, SHARED_TYPES } from '../../tsup.shared.ts'

// The command wrapper is a program of its own that classifyCommand starts with `node` (not in
// `exports`, no types): dist/command-wrapper.cjs, found beside the module that starts it.
export default boundkitConfig({
  entry: ['src/index.ts', 'src/command-wrapper.ts'],
  dts: { entry: ['src/index.ts'] },
  sharedTypes: SHARED_TYPES,
})
