import { writeFile } from 'node:fs/promises'
import type { Dashboard, RunInfo, RunReading } from '@boundkit/server/dashboard'
import { UsageError } from '../errors'
import type { LiveSettings } from '../flags/live'
import type { OutputStream } from '../terminal'

/** The live view of one run, when `--dashboard` or `--report` asks for it. */
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
 * Starts sampling the run (and serving the page with `--dashboard`, its address on stderr), or
 * nothing when neither flag was given.
 */
export async function openLiveView(
  settings: LiveSettings,
  info: RunInfo,
  read: () => RunReading,
  stderr: OutputStream,
): Promise<LiveView | undefined> {
  if (settings.dashboard === undefined && settings.report === undefined) return undefined
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
  monitor.start()
  return {
    record: (ms, error) => monitor.record(ms, error === undefined ? undefined : errorOf(error)),
    async finish(interrupted) {
      monitor.finish(interrupted)
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
      await dashboard?.close()
    },
  }
}
