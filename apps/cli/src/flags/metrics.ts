import { type Command, Option } from 'commander'
import { UsageError } from '../errors'
import { parseInteger } from './parsers'

/** `--metrics <port>` and `--metrics-host`, as commander parsed them. */
export interface MetricsFlags {
  metrics?: number
  metricsHost?: string
}

/** Where to serve Prometheus' `/metrics`, when asked. */
export type MetricsSettings = { host: string; port: number } | undefined

/** Declares `--metrics <port>` and `--metrics-host` (batch, llm, worker). */
export function addMetricsFlags(command: Command, what: string): Command {
  return command
    .addOption(
      new Option(
        '--metrics <port>',
        `serve Prometheus metrics of ${what} at http://127.0.0.1:<port>/metrics (0: a free port; its address goes to stderr)`,
      ).argParser((text: string) => parseInteger('--metrics', text, 0, { max: 65_535 })),
    )
    .addOption(
      new Option(
        '--metrics-host <host>',
        'the address --metrics listens on (default 127.0.0.1; 0.0.0.0 for a Prometheus on another machine)',
      ).argParser((host: string) => {
        if (host.trim() === '') throw new UsageError('Expected --metrics-host to name an address')
        return host
      }),
    )
}

export function metricsSettings(flags: MetricsFlags): MetricsSettings {
  if (flags.metricsHost !== undefined && flags.metrics === undefined) {
    throw new UsageError('--metrics-host goes with --metrics')
  }
  return flags.metrics === undefined
    ? undefined
    : { host: flags.metricsHost ?? '127.0.0.1', port: flags.metrics }
}
