import { writeFile } from 'node:fs/promises'
import type { Dashboard, RunInfo, RunReading } from '@boundkit/server/dashboard'
import { UsageError } from '../errors'
import type { LiveSettings } from '../flags/live'
import type { OutputStream } from '../terminal'
import { type MetricsServer, metricsRegistry, serveMetrics } from './metrics'
import { RUN_METRICS } from './run-metrics'

/** The live view of one run, when `--dashboard`, `--report` or `--metrics` asks for it. */
export interface LiveView {
  /** A finished item: its latency (ms) and its error, when it failed. */
  record(ms: number, error?: unknown): void
  /** The run ended: the last sample, and the report written. */
  finish(interrupted: boolean): Promise<void>
  /** With `--dashboard`: keeps the page up until Ctrl-C (`onInterrupt`), then closes it. */
  stay(onInterrupt: (listener: () => void) => () => void): Promise<void>
  close(): Promise<void>
}

function errorOf(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error'
  return { code, message: typeof e?.message === 'string' ? e.message : String(error) }
}

/**
 * Starts sampling the run (and serving the page with `--dashboard`, the metrics with `--metrics`,
 * their addresses on stderr), or nothing when none of the flags was given.
 */
export async function openLiveView(
  settings: LiveSettings,
  info: RunInfo,
  read: () => RunReading,
  stderr: OutputStream,
): Promise<LiveView | undefined> {
  const { metrics } = settings
  if (settings.dashboard === undefined && settings.report === undefined && metrics === undefined) {
    return undefined
  }
  // The page and its server (better-sse, uPlot) load only for a run that asks for them.
  const { RunMonitor, reportHtml, startDashboard } = await import('@boundkit/server/dashboard')
  const monitor = new RunMonitor(info, read)
  let dashboard: Dashboard | undefined
  if (settings.dashboard) {
    try {
      dashboard = await startDashboard(monitor, settings.dashboard.host, settings.dashboard.port)
    } catch (error) {
      throw new UsageError(
        `--dashboard could not listen on ${settings.dashboard.host}:${settings.dashboard.port}: ${(error as Error).message}`,
      )
    }
    stderr.write(`Dashboard: ${dashboard.url}\n`)
  }
  let metricsServer: MetricsServer | undefined
  if (metrics !== undefined) {
    const registry = await metricsRegistry(RUN_METRICS, () => monitor.view(), { command: info.label })
    metricsServer = await serveMetrics(metrics, registry, stderr).catch(async (error: unknown) => {
      await dashboard?.close()
      throw error
    })
  }
  monitor.start()
  return {
    record: (ms, error) => monitor.record(ms, error === undefined ? undefined : errorOf(error)),
    async finish(interrupted) {
      monitor.finish(interrupted)
      await metricsServer?.close()
      if (settings.report !== undefined) {
        await writeFile(settings.report, await reportHtml(monitor))
        stderr.write(`Report: ${settings.report}\n`)
      }
    },
    async stay(onInterrupt) {
      if (dashboard === undefined) return
      stderr.write(`The dashboard stays at ${dashboard.url} until Ctrl-C.\n`)
      await new Promise<void>((resolve) => {
        const stop = onInterrupt(() => {
          stop()
          resolve()
        })
      })
      await dashboard.close()
    },
    close: async () => {
      monitor.finish(false)
      await Promise.all([dashboard?.close(), metricsServer?.close()])
    },
  }
}
