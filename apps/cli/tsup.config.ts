import { boundkitConfig } from '../../tsup.shared.ts'

// An application, not a library: ESM only, no declaration files. The worker files are separate
// entries (dist/workers/*.js) because Node 20 cannot run a .ts file in a worker thread. Splitting
// keeps each command in its own chunk, so `boundkit --help` does not load the demo's packages.
export default boundkitConfig({
  entry: {
    main: 'src/main.ts',
    'workers/fib': 'src/workers/fib.ts',
    'workers/sum': 'src/workers/sum.ts',
    'workers/thumbnail': 'src/workers/thumbnail.ts',
    'workers/server': 'src/workers/server.ts',
  },
  format: ['esm'],
  dts: false,
  splitting: true,
})
