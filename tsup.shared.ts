import { defineConfig, type Options } from 'tsup'

/**
 * The one build every boundkit package and app uses: ESM + CJS + .d.ts/.d.cts for Node >= 20.
 * `shims: true` keeps `import.meta.url` working in the CJS output (worker files are found with it).
 */
export function boundkitConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    // @boundkit/internal is private: its code and its types are bundled into each package.
    noExternal: ['@boundkit/internal'],
    // (tsconfig.base.json maps it to its sources, so the declaration bundler inlines it.)
    dts: true,
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: true,
    shims: true,
    splitting: false,
    treeshake: true,
    ...overrides,
  })
}
