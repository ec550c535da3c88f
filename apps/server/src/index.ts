export type { RunningServer, ServerOptions } from './server'
export { startServer } from './server'
