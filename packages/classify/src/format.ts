import type { Probe } from './probe'
import type { ClassifyReport, CommandReport, TaskKind } from './report'

/** A share as a percentage: one decimal below 10%, whole above. */
export function percent(value: number): string {
  const p = value * 100
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`
}

/**
 * A share as a percentage, with as many decimals as it takes not to read the same as `threshold`
 * (so "19.8% is below 20%", never "20% is below 20%").
 */
export function percentBeside(value: number, threshold: number): string {
  if (percent(value) !== percent(threshold) || value === threshold) return percent(value)
  for (let digits = 1; digits < 4; digits++) {
    const text = `${(value * 100).toFixed(digits)}%`
    if (text !== `${(threshold * 100).toFixed(digits)}%`) return text
  }
  return `${(value * 100).toFixed(4)}%`
}

/** A duration in ms, with the decimals that matter at its size. */
export function ms(value: number): string {
  if (value >= 100) return `${Math.round(value)} ms`
  if (value >= 1) return `${value.toFixed(1)} ms`
  return `${value.toFixed(3)} ms`
}

/** A command and its arguments as typed, quoted where it takes quotes: `node -e ""`. */
export function programText(command: string, args: readonly string[]): string {
  return [command, ...args].map((part) => (/^[\w./=:-]+$/.test(part) ? part : JSON.stringify(part))).join(' ')
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

/** Options of `format`. */
export interface ClassifyFormatOptions {
  /**
   * What to call the options named in the text, by API name: a CLI passes its flags
   * (`{ maxConcurrency: '--max-concurrency' }`) so its users read names they can type.
   */
  optionNames?: Partial<Record<string, string>>
}

/** `\`maxConcurrency\`` written as the caller names it, where it does. */
function renameOptions(text: string, names: Partial<Record<string, string>>): string {
  return text.replace(/`([A-Za-z.]+)`/g, (quoted, name: string) => {
    const renamed = names[name]
    return renamed === undefined ? quoted : `\`${renamed}\``
  })
}

function kindLine(report: ClassifyReport | CommandReport): string {
  const line = `kind:     ${report.kind}: ${kindText[report.kind]}`
  return report.certainty.certain ? line : `${line} (uncertain)`
}

/** The votes as "5 of 6 samples read io, 1 read mixed". */
function votesLine(report: ClassifyReport | CommandReport): string {
  const votes = Object.entries(report.certainty.votes).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
  const total = votes.reduce((sum, [, n]) => sum + (n ?? 0), 0)
  const what = isCommandReport(report) ? 'runs' : 'samples'
  const parts = votes.map(([kind, n], i) =>
    i === 0 ? `${n} of ${total} ${what} read ${kind}` : `${n} read ${kind}`,
  )
  return `${report.certainty.certain ? 'certain' : 'UNCERTAIN'}: ${parts.join(', ')}`
}

/** ", 62% with their waits for a core left out", where those were read. */
function waitsLeftOut(s: CommandReport['summary']): string {
  return s.busyRatio === null || s.busyRatio === s.cpuRatio
    ? ''
    : `, ${percent(s.busyRatio)} with their waits for a core left out`
}

/** The command, its kind, and its runs' figures: wall time, CPU time, the start-up, the probe's bound. */
function commandLines(report: CommandReport): string[] {
  const s = report.summary
  const lines = [`command:  ${[report.command, ...report.args].join(' ')}`, kindLine(report)]
  lines.push(
    `runs:     ${report.runs.length}, wall ${ms(s.wallMs.median)} median (min ${ms(s.wallMs.min)}, max ${ms(s.wallMs.max)})`,
  )
  lines.push(
    s.cpuMs === null || s.cpuRatio === null
      ? 'cpu:      not available on this platform'
      : `cpu:      ${ms(s.cpuMs)} with descendants, ${percent(s.cpuRatio)} of wall time${waitsLeftOut(s)}`,
  )
  const startup = report.startup
  if (startup !== null && s.workCpuRatio !== null) {
    lines.push(
      `startup:  ${programText(startup.command, startup.args)} took ${ms(startup.cpuMs)} of CPU in ${ms(startup.wallMs)}; without it, ${percent(s.workCpuRatio)} of wall time`,
    )
  }
  if (s.share?.from === 'probe' && s.keptCpu !== null) {
    lines.push(
      `share:    ${percent(s.share.ratio)} of a core per run, from the probe: runs at once kept ${percent(s.keptCpu)} of the CPU time of a run alone`,
    )
  }
  return lines
}

/** A readable multi-line text of a `classify` or `classifyCommand` report. */
export function format(report: ClassifyReport | CommandReport, options: ClassifyFormatOptions = {}): string {
  const r = report.recommendation
  const lines: string[] = []
  if (isCommandReport(report)) lines.push(...commandLines(report))
  else {
    const s = report.summary
    lines.push(kindLine(report))
    lines.push(
      `runs:     ${report.samples.length} x ${report.callsPerSample} call${report.callsPerSample === 1 ? '' : 's'}, ` +
        `${ms(s.callMs.median)} per call median (min ${ms(s.callMs.min)}, max ${ms(s.callMs.max)}, spread ${percent(s.callMs.spread)})`,
    )
    lines.push(
      `cpu:      ${percent(s.cpuRatio)} of wall time; main thread busy ${percent(s.busy)} (ELU ${percent(s.elu)}); ` +
        `off the main thread ${percent(s.offMainRatio)}`,
    )
  }
  lines.push(`verdict:  ${votesLine(report)}`)
  for (const doubt of report.certainty.doubts) lines.push(`  ! ${doubt}`)
  const failed = isCommandReport(report) ? report.failedRuns : report.failedCalls
  if (failed > 0) {
    const what = isCommandReport(report) ? 'run' : 'call'
    lines.push(
      `failed:   ${failed} ${what}${failed === 1 ? '' : 's'} failed and ${failed === 1 ? 'was' : 'were'} skipped`,
    )
  }
  lines.push(probeLine(report.probe))
  const pool = r.poolSize === undefined ? '' : `, pool of ${r.poolSize}`
  lines.push(`advice:   ${r.strategy}, concurrency ${r.atLeast ? 'at least ' : ''}${r.concurrency}${pool}`)
  for (const reason of r.reasons) lines.push(`  - ${reason}`)
  lines.push(
    `(${report.environment.cpus} CPUs, Node ${report.environment.node}, took ${ms(report.durationMs)})`,
  )
  const text = lines.join('\n')
  return options.optionNames ? renameOptions(text, options.optionNames) : text
}
