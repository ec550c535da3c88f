/** What the labelled suites keep of a report; no test runner here (test/top-level.ts runs in plain Node). */
import type { ClassifyReport, CommandReport, Strategy, TaskKind } from '../src/index'

/** What the suites keep of a report. */
export interface Verdict {
  kind: TaskKind
  strategy: Strategy
  concurrency: number
  atLeast: boolean
  certain: boolean
  doubts: string[]
}

export function verdictOf(report: ClassifyReport | CommandReport): Verdict {
  const { strategy, concurrency, atLeast } = report.recommendation
  const { certain, doubts } = report.certainty
  return { kind: report.kind, strategy, concurrency, atLeast, certain, doubts }
}
