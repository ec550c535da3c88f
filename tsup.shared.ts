import { defineConfig, type Options } from 'tsup'

/**
 * The types every published package's errors are made of, bundled from @boundkit/internal into its
 * declarations (`PoolError extends BoundkitError`, `toJSON(): ErrorJSON`): each package exports them,
 * so that a user can name what a hover shows. Type-only, written at the end of the declarations
 * (`sharedTypes`): the declaration bundler prints a re-exported class as a value export, which the
 * JavaScript does not have (and `instanceof` is not how boundkit errors are told apart: branch on
 * `code`).
 */
export const SHARED_TYPES: readonly string[] = ['BoundkitError', 'ErrorJSON', 'ErrorLinkJSON']

export interface BoundkitConfigOptions extends Options {
  /**
   * Types of @boundkit/internal to export from the package's declarations, type-only: `SHARED_TYPES`
   * for a published package, less those its src/index.ts exports itself.
   * @default none
   */
  sharedTypes?: readonly string[]
}

/**
 * The one build every boundkit package and app uses: ESM + CJS + .d.ts/.d.cts for Node >= 20.
 * `shims: true` keeps `import.meta.url` working in the CJS output (worker files are found with it).
 */
export function boundkitConfig({ sharedTypes = [], ...overrides }: BoundkitConfigOptions = {}) {
  const dts = overrides.dts ?? true
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    // @boundkit/internal is private: its code and its types are bundled into each package.
    noExternal: ['@boundkit/internal'],
    // (tsconfig.base.json maps it to its sources, so the declaration bundler inlines it.)
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: true,
    shims: true,
    splitting: false,
    treeshake: true,
    ...overrides,
    dts:
      sharedTypes.length === 0 || dts === false
        ? dts
        : {
            ...(typeof dts === 'object' ? dts : typeof dts === 'string' ? { entry: dts } : {}),
            footer: `export type { ${sharedTypes.join(', ')} };`,
          },
  })
}
