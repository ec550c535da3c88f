import Fastify from 'fastify'

export interface ServerOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string
  close(): Promise<void>
}

/** Starts the demo server; embedded by the CLI on an ephemeral port. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const app = Fastify({ logger: false })
  app.get('/healthz', async () => ({ status: 'ok' }))
  const url = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
  return { url, close: () => app.close() }
}
