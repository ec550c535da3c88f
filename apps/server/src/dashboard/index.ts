/**
 * The live page of a run (`@boundkit/server/dashboard`): a monitor that samples a run's counters
 * and its packages' `stats()` once a second, the page and its Server-Sent Events, and the same page
 * as one self-contained report file. The CLI's `--dashboard` and the server's `/dashboard` use it.
 */
export { createDashboardHandler, type Dashboard, type DashboardHandler, startDashboard } from './http'
export type {
  EndpointReading,
  PipelinePanel,
  PoolPanel,
  RunInfo,
  RunReading,
  Sample,
  View,
  WorkerShare,
} from './monitor'
export { RunMonitor } from './monitor'
export type { DashboardOptions } from './options'
export { reportHtml } from './page'
