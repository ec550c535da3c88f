import { boundkitConfig } from '../../tsup.shared.ts'

// p-queue 9 is ESM-only. The CommonJS build bundles it (with its two small dependencies) so that
// `require('@boundkit/limiter')` works on every Node 20, not only on those with require(esm) (>= 20.19).
// `clean` is off because the two builds share dist/ and run in parallel. Its src/index.ts exports
// `ErrorJSON` and `ErrorLinkJSON` itself: only `BoundkitError` is added to the declarations.
const sharedTypes = ['BoundkitError']
export default [
  boundkitConfig({ format: ['esm'], clean: false, sharedTypes }),
  boundkitConfig({
    format: ['cjs'],
    noExternal: ['@boundkit/internal', 'p-queue', 'p-timeout', 'eventemitter3'],
    clean: false,
    sharedTypes,
  }),
]
