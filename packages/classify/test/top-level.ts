/**
 * Classifies the labelled suite's synchronous tasks at the top level of a CommonJS script, where all
 * of it runs before the event loop starts: the loop starts once the script and the microtasks it
 * queued are done, and a sync task never yields to it. An ES module's top level runs there too on
 * Node >= 22. Started by test/labelled.test.ts as `node -r tsx/cjs -e "require('./test/top-level.ts')" <repeats> <options>`;
 * writes one JSON object: the verdicts by task, and whether the loop had started by the end.
 */
import { performance } from 'node:perf_hooks'
import { type ClassifyOptions, classify } from '../src/index'
import { createInputs, syncTasks } from './tasks'
import { type Verdict, verdictOf } from './verdict-of'

async function main(repeats: number, options: ClassifyOptions): Promise<void> {
  const verdicts: Record<string, Verdict[]> = {}
  for (const task of syncTasks(createInputs())) {
    verdicts[task.name] = []
    for (let i = 0; i < repeats; i++) verdicts[task.name]!.push(verdictOf(await classify(task.fn, options)))
  }
  const loopStarted = performance.nodeTiming.loopStart >= 0
  process.stdout.write(JSON.stringify({ verdicts, loopStarted }))
}

main(Number(process.argv[1]), JSON.parse(process.argv[2] ?? '{}') as ClassifyOptions).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
