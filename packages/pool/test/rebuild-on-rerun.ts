import type { TestProject } from 'vitest/node'

/** The shared set-up that builds a package and its workspace dependencies where `dist` is stale. */
const ensureBuilt = new URL('../../../scripts/ensure-built.ts', import.meta.url).href

/**
 * `vitest --watch`: the worker threads run the BUILT pool (`dist/worker-entry.cjs`, and `dist/index.js`
 * that a worker file imports for `defineWorker`), built once when the run starts. Before every rerun,
 * rebuild what is older than its sources, so an edit to a worker-side file reaches the workers.
 */
export default function rebuildOnRerun(project: TestProject): void {
  project.onTestsRerun(async () => {
    const { default: build } = (await import(ensureBuilt)) as { default: (p: TestProject) => void }
    build(project)
  })
}
