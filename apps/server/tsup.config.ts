import { boundkitConfig } from '../../tsup.shared.ts'

// An application: ESM only. `index` is what the CLI embeds, `dashboard` the live page (the CLI loads it
// for --dashboard without the web server), `main` the standalone entry, `workers/cpu` the pool's worker
// file (a separate file, found at run time next to the code that starts the pool).
export default boundkitConfig({
  entry: {
    index: 'src/index.ts',
    dashboard: 'src/dashboard/index.ts',
    main: 'src/main.ts',
    'workers/cpu': 'src/workers/cpu.ts',
  },
  format: ['esm'],
})
