import { formatMs, type Paint } from '../terminal'
import type { ScenarioResult } from './scenario'

const HEADERS = ['scenario', 'model', 'baseline', 'boundkit', 'speedup', 'ok/failed'] as const

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
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)))
  const right = new Set([2, 3, 4, 5])
  const cell = (text: string, i: number) =>
    right.has(i) ? text.padStart(widths[i] as number) : text.padEnd(widths[i] as number)
  const lines = [
    style.bold(HEADERS.map((h, i) => cell(h, i)).join('  ')),
    widths.map((w) => '-'.repeat(w)).join('  '),
  ]
  results.forEach((r, index) => {
    const row = rows[index] as string[]
    const cells = row.map((text, i) => cell(text, i))
    if (r.speedup !== null) {
      cells[4] = r.speedup >= 1.1 ? style.green(cells[4] as string) : style.yellow(cells[4] as string)
    }
    if (r.failed > 0) cells[5] = style.red(cells[5] as string)
    lines.push(cells.join('  ').trimEnd())
  })
  return lines.join('\n')
}
