import { fileURLToPath } from 'node:url'
import type { Options } from 'tsup'
import { boundkitConfig } from '../../tsup.shared.ts'

type Plugin = NonNullable<Options['esbuildPlugins']>[number]

const serverFib = fileURLToPath(new URL('../server/src/fib.ts', import.meta.url))

/**
 * The fib worker takes `fib` from `@boundkit/server` (its one copy: a plain function with no imports)
 * bundled from the server's source, so that a worker thread starts without loading the web server.
 * Everywhere else `@boundkit/server` (and `@boundkit/server/dashboard`) stays an ordinary import.
 */
const fibFromServerSource: Plugin = {
  name: 'fib-from-server-source',
  setup(build) {
    build.onResolve({ filter: /^@boundkit\/server(\/.*)?$/ }, (args) =>
      /[\\/]workers[\\/]fib\.ts$/.test(args.importer)
        ? { path: serverFib }
        : { path: args.path, external: true },
    )
  },
}

// An application, not a library: ESM only, no declaration files. The worker files are separate
// entries (dist/workers/*.js) because Node 20 cannot run a .ts file in a worker thread. Splitting
// keeps each command in its own chunk, so `boundkit --help` does not load the demo's packages.
export default boundkitConfig({
  entry: {
    main: 'src/main.ts',
    'workers/fib': 'src/commands/demo/workers/fib.ts',
    'workers/sum': 'src/commands/demo/workers/sum.ts',
    'workers/thumbnail': 'src/commands/demo/workers/thumbnail.ts',
    'workers/server': 'src/commands/demo/workers/server.ts',
  },
  format: ['esm'],
  dts: false,
  splitting: true,
  // (tsup would make every dependency external before the plugin runs: the plugin decides for this one.)
  noExternal: ['@boundkit/internal', '@boundkit/server'],
  esbuildPlugins: [fibFromServerSource],
})
