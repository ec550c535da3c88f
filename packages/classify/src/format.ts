import type { Probe } from './probe'
import type { ClassifyReport, CommandReport, TaskKind } from './report'

/** A share as a percentage: one decimal below 10%, whole above. */
export function percent(value: number): string {
  const p = value * 100
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`
}

/** A duration in ms, with the decimals that matter at its size. */
export function ms(value: number): string {
  if (value >= 100) return `${Math.round(value)} ms`
  if (value >= 1) return `${value.toFixed(1)} ms`
  return `${value.toFixed(3)} ms`
}

const kindText: Record<TaskKind, string> = {
  io: 'I/O-bound (mostly waiting)',
  cpu: 'CPU-bound on the main thread',
  'cpu-offloaded': "CPU-bound off the main thread (libuv's thread pool)",
  mixed: 'mixed (waits, and computes on the main thread)',
}

function probeLine(probe: Probe): string {
  const levels = probe.levels.map((l) => `${l.concurrency} -> ${l.speedup.toFixed(2)}x`).join(', ')
  return `probe:    ${levels} (knee ${probe.knee}, stopped by ${probe.stoppedBy})`
}

function isCommandReport(report: ClassifyReport | CommandReport): report is CommandReport {
  return 'command' in report
}

/** A readable multi-line text of a `classify` or `classifyCommand` report. */
export function format(report: ClassifyReport | CommandReport): string {
  const r = report.recommendation
  const lines: string[] = []
  if (isCommandReport(report)) {
    const s = report.summary
    lines.push(`command:  ${[report.command, ...report.args].join(' ')}`)
    lines.push(`kind:     ${report.kind}: ${kindText[report.kind]}`)
    lines.push(
      `runs:     ${report.runs.length}, wall ${ms(s.wallMs.median)} median (min ${ms(s.wallMs.min)}, max ${ms(s.wallMs.max)})`,
    )
    lines.push(
      s.cpuMs === null || s.cpuRatio === null
        ? 'cpu:      not available on this platform'
        : `cpu:      ${ms(s.cpuMs)} with descendants, ${percent(s.cpuRatio)} of wall time`,
    )
  } else {
    const s = report.summary
    lines.push(`kind:     ${report.kind}: ${kindText[report.kind]}`)
    lines.push(
      `runs:     ${report.samples.length} x ${report.callsPerSample} call${report.callsPerSample === 1 ? '' : 's'}, ` +
        `${ms(s.callMs.median)} per call median (min ${ms(s.callMs.min)}, max ${ms(s.callMs.max)}, spread ${percent(s.callMs.spread)})`,
    )
    lines.push(
      `cpu:      ${percent(s.cpuRatio)} of wall time; main thread busy ${percent(s.busy)} (ELU ${percent(s.elu)}); ` +
        `off the main thread ${percent(s.offMainRatio)}`,
    )
  }
  lines.push(probeLine(report.probe))
  const pool = r.poolSize === undefined ? '' : `, pool of ${r.poolSize}`
  lines.push(`advice:   ${r.strategy}, concurrency ${r.concurrency}${pool}`)
  for (const reason of r.reasons) lines.push(`  - ${reason}`)
  lines.push(
    `(${report.environment.cpus} CPUs, Node ${report.environment.node}, took ${ms(report.durationMs)})`,
  )
  return lines.join('\n')
}
