import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { EXIT, messageOf } from '../../errors'
import { type LiveFlags, liveSettings } from '../../flags/live'
import { openLiveView } from '../../run/live'
import { processIo } from '../../run/runner'
import { colorEnabled, formatMs, paint } from '../../terminal'
import { startDemoServer } from './demo-server'
import { DemoPhases } from './live-phases'
import { startMachineLoad } from './machine-load'
import type { DemoContext, Scenario, ScenarioResult } from './scenario'
import { scenarios } from './scenarios'
import { demoServerOptions } from './server-options'
import { busyNote, clientsTable, summaryTable } from './table'

/** ms to one decimal, for the JSON summary. */
const tenth = (ms: number) => Math.round(ms * 10) / 10

/** The flags of `boundkit demo`, as commander parsed them. */
export interface DemoFlags extends LiveFlags {
  quick?: boolean
  scenario?: string
  json?: boolean
  out?: string
  seed: number
}

/**
 * Runs one scenario; each of its rows carries the machine's load read while it ran (the 1-minute
 * load average lags a minute behind).
 */
async function runScenario(scenario: Scenario, context: DemoContext): Promise<ScenarioResult[]> {
  const stopLoad = startMachineLoad()
  const rows = await scenario.run(context).catch((error: unknown) => {
    stopLoad()
    throw error
  })
  const load = stopLoad()
  return rows.map((row) => ({ ...row, load }))
}

interface DemoOutcome {
  quick: boolean
  outDir: string
  totalMs: number
  results: ScenarioResult[]
  errors: { scenario: string; error: string }[]
}

/** What `--json` prints and `summary.json` holds: each scenario's rows, times to 0.1 ms. */
function demoSummary({ quick, outDir, totalMs, results, errors }: DemoOutcome) {
  return {
    quick,
    node: process.version,
    cpus: availableParallelism(),
    outDir,
    totalMs: Math.round(totalMs),
    scenarios: results.map((r) => ({
      ...r,
      baselineMs: r.baselineMs === null ? null : tenth(r.baselineMs),
      boundkitMs: r.boundkitMs === null ? null : tenth(r.boundkitMs),
      ...(r.clients && {
        clients: r.clients.map((c) => ({
          ...c,
          ms: tenth(c.ms),
          cooldownMs: c.cooldownMs === null ? null : tenth(c.cooldownMs),
        })),
      }),
    })),
    errors,
  }
}

/** The summary table and its notes, for a reader. */
function resultLines(
  results: ScenarioResult[],
  errors: DemoOutcome['errors'],
  outDir: string,
  totalMs: number,
): string[] {
  const out = paint(colorEnabled(process.stdout))
  const lines = ['', summaryTable(results, out), '']
  const busy = busyNote(results)
  if (busy !== '') lines.push(`  ${busy}`, '')
  const clients = clientsTable(results, out)
  if (clients !== '') lines.push('  The I/O batch, client by client:', '', clients, '')
  for (const note of results.flatMap((r) => r.notes)) lines.push(`  ${note}`)
  for (const e of errors) lines.push(out.red(`  ${e.scenario}: ${e.error}`))
  const files = [...new Set(results.flatMap((r) => r.files))]
  lines.push(
    '',
    `Outputs in ${outDir} (summary.json${files.length > 0 ? ', ' : ''}${files.join(', ')}); took ${formatMs(totalMs)}.`,
  )
  return lines
}

/**
 * `boundkit demo`: starts the demo server in-process on a free port, runs each scenario its baseline
 * way and the boundkit way, prints one summary table (or JSON) and writes the outputs to a folder.
 */
export async function runDemo(options: DemoFlags): Promise<number> {
  const quick = options.quick === true
  const seed = options.seed
  const live = liveSettings(options)
  const chosen = scenarios.filter((s) => options.scenario === undefined || s.name === options.scenario)
  const outDir = options.out ? resolve(options.out) : await mkdtemp(join(tmpdir(), 'boundkit-demo-'))
  await mkdir(outDir, { recursive: true })
  const stream = process.stderr
  const style = paint(colorEnabled(stream))
  const log = (line: string) => stream.write(`${line}\n`)
  const advice = {}
  const server = await startDemoServer({
    ...demoServerOptions,
    seed,
    judge: { ...demoServerOptions.judge, faultKinds: [...demoServerOptions.judge.faultKinds] },
  })
  const phases = new DemoPhases()
  const view = await openLiveView(
    live,
    {
      label: 'demo',
      detail: `${chosen.map((c) => c.name).join(', ')} against the demo server at ${server.url}; its own page, while it runs: ${server.url}/dashboard/`,
      total: null,
    },
    () => phases.read(),
    stream,
  ).catch(async (error: unknown) => {
    await server.close()
    throw error
  })
  log(
    style.dim(
      `boundkit demo${quick ? ' --quick' : ''}: demo server at ${server.url} (a worker thread of this process), ` +
        `${availableParallelism()} CPUs, Node ${process.version}`,
    ),
  )
  const results: ScenarioResult[] = []
  const errors: { scenario: string; error: string }[] = []
  const started = performance.now()
  try {
    for (const scenario of chosen) {
      log(`\n${style.bold(scenario.description)}`)
      const context: DemoContext = {
        url: server.url,
        quick,
        outDir,
        stream,
        log,
        advice,
        progress: (label, total, stats) => phases.progress(scenario.name, label, total, stream, stats),
        record: (ms) => view?.record(ms),
      }
      try {
        results.push(...(await runScenario(scenario, context)))
      } catch (error) {
        errors.push({ scenario: scenario.name, error: messageOf(error) })
        log(style.red(`  ${scenario.name} failed: ${messageOf(error)}`))
      }
    }
  } finally {
    await view?.finish(false)
    await server.close()
  }
  const totalMs = performance.now() - started
  const summary = demoSummary({ quick, outDir, totalMs, results, errors })
  await writeFile(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  else process.stdout.write(`${resultLines(results, errors, outDir, totalMs).join('\n')}\n`)
  await view?.stay(processIo.onInterrupt)
  const failed = results.reduce((n, r) => n + r.failed, 0)
  if (errors.length > 0 || failed > 0) {
    stream.write(style.red(`${errors.length} scenario(s) failed, ${failed} item(s) failed\n`))
    return EXIT.someFailed
  }
  return EXIT.ok
}
