/**
 * `pnpm bench:charts`: draws the chart of every table of the kept results (`bench/results/*.md`)
 * from the table itself, and links it under the table, as `pnpm bench` does for a new run. For
 * results written before the charts existed, or after a results file was edited by hand: the charts
 * show the very figures of the tables, with no new run.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chartSvg } from './chart.ts'
import type { Benchmark, CaseSummary } from './harness.ts'

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))

/** `1,234.5` or `1.08x` as a number; NaN when the cell holds none. */
function numberIn(cell: string | undefined): number {
  if (cell === undefined) return Number.NaN
  const text = cell.trim().replace(/,/g, '').replace(/x$/, '')
  return text === '' || text === '-' ? Number.NaN : Number(text)
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim())

/** One table: the summaries its rows give, and the benchmark its header names. */
function readTable(
  title: string,
  header: string,
  rows: string[],
): { definition: Benchmark; summaries: CaseSummary[] } {
  const columns = cells(header)
  const at = (name: string) => columns.indexOf(name)
  const timeRatio = columns.findIndex((c) => c.startsWith('time ratio vs '))
  const throughputRatio = columns.findIndex((c) => c.startsWith('throughput ratio vs '))
  const baseline = timeRatio >= 0 ? columns[timeRatio]!.slice('time ratio vs '.length) : undefined
  const summaries = rows.map((row): CaseSummary => {
    const values = cells(row)
    const items = numberIn(values[at('items/s')])
    const optional = (index: number) =>
      index >= 0 && Number.isFinite(numberIn(values[index])) ? numberIn(values[index]) : undefined
    return {
      name: values[at('case')] ?? '',
      runs: 0,
      medianMs: numberIn(values[at('median ms')]),
      minMs: numberIn(values[at('min ms')]),
      maxMs: numberIn(values[at('max ms')]),
      ...(Number.isFinite(items) && { itemsPerSec: items }),
      peakRssMb: numberIn(values[at('peak RSS MB')]),
      ...(optional(timeRatio) !== undefined && { ratio: optional(timeRatio) }),
      ...(optional(throughputRatio) !== undefined && { throughputRatio: optional(throughputRatio) }),
      metrics: {},
    }
  })
  const definition = { title, description: '', baseline, cases: [] } as unknown as Benchmark
  return { definition, summaries }
}

for (const file of readdirSync(resultsDir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
  const slug = file.slice(0, -'.md'.length)
  const lines = readFileSync(join(resultsDir, file), 'utf8').split('\n')
  const out: string[] = []
  let title = ''
  let charts = 0
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.startsWith('### ')) title = line.slice(4)
    // A chart link already there (and the blank line after it) is replaced by the new one.
    if (/^!\[.*\]\(.*\.svg\)$/.test(line)) {
      if (lines[i + 1] === '') i++
      continue
    }
    out.push(line)
    if (!line.startsWith('| case |')) continue
    const header = line
    const rows: string[] = []
    for (i++; i < lines.length && (lines[i] as string).startsWith('|'); i++) {
      out.push(lines[i] as string)
      if (!/^\|\s*:?-/.test(lines[i] as string)) rows.push(lines[i] as string)
    }
    i--
    const { definition, summaries } = readTable(title, header, rows)
    const chart = `${slug}-${++charts}.svg`
    writeFileSync(join(resultsDir, chart), chartSvg(definition, summaries))
    out.push('', `![${title.replace(/[[\]`]/g, '')}](${chart})`)
  }
  writeFileSync(join(resultsDir, file), out.join('\n'))
  // The charts of tables no longer there go.
  const stale = new RegExp(`^${slug}-(\\d+)\\.svg$`)
  for (const svg of readdirSync(resultsDir)) {
    const n = Number(stale.exec(svg)?.[1])
    if (n > charts) rmSync(join(resultsDir, svg))
  }
  console.log(`${file}: ${charts} chart${charts === 1 ? '' : 's'}`)
}
