import { formatMs, type Paint } from '../terminal'
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

/** Columns padded to their widest cell (the first `left` left-aligned, the rest right-aligned), a header and a rule. */
function layout(headers: readonly string[], rows: readonly string[][], left: number, style: Paint) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)))
  const cell = (text: string, i: number) =>
    i < left ? text.padEnd(widths[i] as number) : text.padStart(widths[i] as number)
  return {
    head: [
      style.bold(headers.map((h, i) => cell(h, i)).join('  ')),
      widths.map((w) => '-'.repeat(w)).join('  '),
    ],
    cells: rows.map((row) => row.map((text, i) => cell(text, i))),
  }
}

/** The summary as a plain text table (colour only on the speedup when `style` paints). */
export function summaryTable(results: readonly ScenarioResult[], style: Paint): string {
  const rows = results.map((r) => [
    r.title,
    r.model,
    r.baselineMs === null ? '-' : formatMs(r.baselineMs),
    r.boundkitMs === null ? '-' : formatMs(r.boundkitMs),
    r.speedup === null ? '-' : `${r.speedup.toFixed(2)}x`,
    `${r.ok}/${r.failed}`,
  ])
  const { head, cells } = layout(HEADERS, rows, 2, style)
  const lines = [...head]
  results.forEach((r, index) => {
    const row = cells[index] as string[]
    if (r.speedup !== null) {
      row[4] = r.speedup >= 1.1 ? style.green(row[4] as string) : style.yellow(row[4] as string)
    }
    if (r.failed > 0) row[5] = style.red(row[5] as string)
    lines.push(row.join('  ').trimEnd())
  })
  return lines.join('\n')
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
  const { head, cells } = layout(CLIENT_HEADERS, rows, 1, style)
  return [...head, ...cells.map((row) => row.join('  ').trimEnd())].join('\n')
}
