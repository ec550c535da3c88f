import { benchmark } from '../../../bench/harness.ts'
import { type ClassifyReport, classify } from '../src/index'

/**
 * Time to a verdict with the default options for tasks that take about 100 ms per call. Target:
 * under 2 s. The baseline is one plain call of a 100 ms task, so the ratio column reads "calls'
 * worth of time spent classifying".
 */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function spin(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {}
}

function figures(report: ClassifyReport, expected: string) {
  return {
    metrics: {
      'verdict right (1/0)': report.kind === expected ? 1 : 0,
      'probe levels': report.probe.levels.length,
      'calls made':
        report.samples.reduce((n, s) => n + s.calls, 0) +
        report.probe.levels.reduce((n, l) => n + l.calls, 0),
    },
  }
}

export default benchmark({
  title: 'classify: time to a verdict for a 100 ms task (default options)',
  description:
    'Default options: runs 3, timeBudget 5000 ms, maxConcurrency 16, minSampleTime 50 ms. Target: under 2 s per verdict.',
  baseline: 'one call of the task (100 ms timer)',
  runs: 5,
  quickRuns: 1,
  cases: {
    'one call of the task (100 ms timer)': async () => {
      await sleep(100)
      return undefined
    },
    'classify: io (100 ms timer)': async () => figures(await classify(() => sleep(100)), 'io'),
    'classify: cpu (100 ms busy loop)': async () => figures(await classify(() => spin(100)), 'cpu'),
    'classify: mixed (50 ms timer + 50 ms busy loop)': async () =>
      figures(
        await classify(async () => {
          await sleep(50)
          spin(50)
        }),
        'mixed',
      ),
  },
})
