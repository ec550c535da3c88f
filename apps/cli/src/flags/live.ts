import { type Command, Option } from 'commander'
import { UsageError } from '../errors'
import type { MetricsSettings } from './metrics'
import { parseInteger } from './parsers'

/** `--dashboard [port]`, `--dashboard-host` and `--report`, as commander parsed them. */
export interface LiveFlags {
  /** `true`: a free port; a number: that port. */
  dashboard?: number | true
  dashboardHost?: string
  report?: string
}

/** `--dashboard [port]`, `--dashboard-host` and `--report`, checked. */
export interface LiveSettings {
  /** Serve the live page here. */
  dashboard: { host: string; port: number } | undefined
  /** Write the final state as one self-contained HTML file here. */
  report: string | undefined
  /** Serve Prometheus' `/metrics` of the run here (`--metrics`). */
  metrics?: MetricsSettings
}

/** Declares `--dashboard [port]`, `--dashboard-host` and `--report` (batch, llm, demo). */
export function addLiveFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--dashboard [port]',
        'serve a live page of the run (charts over Server-Sent Events) on 127.0.0.1; its address goes to stderr, and it stays after the run until Ctrl-C (port: default a free one)',
      ).argParser((text: string) => parseInteger('--dashboard', text, 0, { max: 65_535 })),
    )
    .addOption(
      new Option(
        '--dashboard-host <host>',
        'the address the dashboard listens on (default 127.0.0.1; 0.0.0.0 shows the run, file names and error messages to your whole network)',
      ).argParser((host: string) => {
        if (host.trim() === '') throw new UsageError('Expected --dashboard-host to name an address')
        return host
      }),
    )
    .addOption(
      new Option(
        '--report <file>',
        'write the final state of the run as one self-contained HTML page (charts included) to <file>',
      ).argParser((file: string) => {
        if (file.trim() === '') throw new UsageError('Expected --report to name a file')
        return file
      }),
    )
}

export function liveSettings(flags: LiveFlags): LiveSettings {
  if (flags.dashboardHost !== undefined && flags.dashboard === undefined) {
    throw new UsageError('--dashboard-host goes with --dashboard')
  }
  const port = flags.dashboard === true || flags.dashboard === undefined ? 0 : flags.dashboard
  const dashboard =
    flags.dashboard === undefined ? undefined : { host: flags.dashboardHost ?? '127.0.0.1', port }
  return { dashboard, report: flags.report }
}
