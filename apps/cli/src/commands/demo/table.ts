import { formatMs, type Paint } from '../../terminal'
import type { ClientRun, ScenarioResult } from './scenario'

const HEADERS = ['scenario', 'model', 'baseline', 'boundkit', 'speedup', 'ok/failed'] as const
const CLIENT_HEADERS = [
  'client',
  'time',
  'ok/lost',
  'requests',
  '429s',
  'retries',
  'cooldowns',
  'cooling',
] as const

/** Columns padded to their widest cell (those in `left` left-aligned, the rest right-aligned), a header and a rule. */
function layout(
  headers: readonly string[],
  rows: readonly string[][],
  left: readonly number[],
  style: Paint,
) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)))
  const cell = (text: string, i: number) =>
    left.includes(i) ? text.padEnd(widths[i] as number) : text.padStart(widths[i] as number)
  return {
    head: [
      style.bold(
        headers
          .map((h, i) => cell(h, i))
          .join('  ')
          .trimEnd(),
      ),
      widths.map((w) => '-'.repeat(w)).join('  '),
    ],
    cells: rows.map((row) => row.map((text, i) => cell(text, i))),
  }
}

/** A row's `machine` cell: empty unless other work kept the machine busy while it ran. */
function machineCell(r: ScenarioResult): string {
  return r.load?.busy ? `busy: ${r.load.threads.toFixed(1)} threads ready, ${r.load.cpus} CPUs` : ''
}

/**
 * The summary as a plain text table (colour only on the speedup and the machine's state when `style`
 * paints). A `machine` column says which rows ran while the machine was busy, when any did.
 */
export function summaryTable(results: readonly ScenarioResult[], style: Paint): string {
  const busy = results.some((r) => r.load?.busy)
  const rows = results.map((r) => [
    r.title,
    r.model,
    r.baselineMs === null ? '-' : formatMs(r.baselineMs),
    r.boundkitMs === null ? '-' : formatMs(r.boundkitMs),
    r.speedup === null ? '-' : `${r.speedup.toFixed(2)}x`,
    `${r.ok}/${r.failed}`,
    ...(busy ? [machineCell(r)] : []),
  ])
  const { head, cells } = layout(busy ? [...HEADERS, 'machine'] : HEADERS, rows, [0, 1, 6], style)
  const lines = [...head]
  results.forEach((r, index) => {
    const row = cells[index] as string[]
    if (r.speedup !== null) {
      row[4] = r.speedup >= 1.1 ? style.green(row[4] as string) : style.yellow(row[4] as string)
    }
    if (r.failed > 0) row[5] = style.red(row[5] as string)
    if (r.load?.busy) row[6] = style.yellow(row[6] as string)
    lines.push(row.join('  ').trimEnd())
  })
  return lines.join('\n')
}

/** What a `busy` row means, or '' when no row ran on a busy machine. */
export function busyNote(results: readonly ScenarioResult[]): string {
  const loads = results.flatMap((r) => (r.load?.busy ? [r.load] : []))
  if (loads.length === 0) return ''
  const others = Math.max(...loads.map((load) => load.otherThreads))
  return (
    `busy: while those rows ran, more threads were ready to run than this machine has CPUs (${loads[0]?.cpus}), ` +
    `up to ${others.toFixed(1)} of them other processes' on average: other work took cores from the demo, so those ` +
    'times are slower than on a quiet machine and those speedups off, higher or lower (a speedup below 1x there ' +
    'says so, not that the boundkit way is slower). Run the demo again when the machine is quieter.'
  )
}

/** What each client of a batch cost (the rows of `clients`), or '' when no scenario has any. */
export function clientsTable(results: readonly ScenarioResult[], style: Paint): string {
  const clients: ClientRun[] = results.flatMap((r) => r.clients ?? [])
  if (clients.length === 0) return ''
  const rows = clients.map((c) => [
    c.client,
    formatMs(c.ms),
    `${c.ok}/${c.failed}`,
    c.requests.toLocaleString('en-US'),
    c.rateLimited.toLocaleString('en-US'),
    c.retries.toLocaleString('en-US'),
    c.cooldowns === null ? '-' : String(c.cooldowns),
    c.cooldownMs === null ? '-' : formatMs(c.cooldownMs),
  ])
  const { head, cells } = layout(CLIENT_HEADERS, rows, [0], style)
  return [...head, ...cells.map((row) => row.join('  ').trimEnd())].join('\n')
}
