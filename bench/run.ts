/**
 * Runs the current package's `bench/*.bench.ts` files (started by the package's `bench` script, one
 * package at a time under turbo) and writes their tables to `<root>/bench/results/<package>.md`
 * (`bench/results/quick/` under --quick, which is not kept).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chartSvg } from './chart.ts'
import { type Benchmark, machineLine, markdownTable, runBenchmark } from './harness.ts'

const quick = process.argv.includes('--quick')
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length)
const packageDir = process.cwd()
const { name } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string }
const benchDir = join(packageDir, 'bench')
const files = (existsSync(benchDir) ? readdirSync(benchDir) : [])
  .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
  .sort()

if (files.length === 0) {
  console.log(`${name}: no benchmarks in bench/`)
  process.exit(0)
}

const sections: string[] = []
const charts: string[] = []
const slug = name.replace('@boundkit/', '')
console.log(`# ${name} benchmarks${quick ? ' (quick)' : ''}\n${machineLine()}\n`)
for (const file of files) {
  const mod = (await import(pathToFileURL(join(benchDir, file)).href)) as { default: Benchmark | Benchmark[] }
  for (const definition of [mod.default].flat()) {
    const summaries = await runBenchmark(definition, quick)
    const table = markdownTable(definition, summaries)
    console.log(table)
    // Each table's chart beside the Markdown, linked under the table.
    const chart = `${slug}-${charts.length + 1}.svg`
    charts.push(chartSvg(definition, summaries))
    sections.push(`${table}\n![${definition.title.replace(/[[\]`]/g, '')}](${chart})\n`)
  }
}

const resultsDir = join(packageDir, '..', '..', 'bench', 'results', ...(quick ? ['quick'] : []))
mkdirSync(resultsDir, { recursive: true })
const out = join(resultsDir, `${slug}.md`)
writeFileSync(out, [`## ${name}`, '', machineLine(), '', ...sections].join('\n'))
for (const [i, svg] of charts.entries()) writeFileSync(join(resultsDir, `${slug}-${i + 1}.svg`), svg)
console.log(
  `results written to ${out} (and ${charts.length} chart${charts.length === 1 ? '' : 's'} beside it)`,
)
