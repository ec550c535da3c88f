import type { FastifyInstance } from 'fastify'
import { fib } from './fib'
import type { ResolvedOptions } from './options'

/** Runs `fib(n)` somewhere: on the event loop (`inline`) or, once the pool lands, in a worker (`pool`). */
export type FibRunner = (n: number) => Promise<number>

/**
 * The execution modes of `GET /cpu/fib/:n`. The `mode` query parameter accepts exactly these keys, so
 * pool mode is one more entry: `pool: (n) => pool.run(n)` with a worker that imports `./fib`.
 */
export function fibRunners(): Record<string, FibRunner> {
  return { inline: async (n) => fib(n) }
}

/** `GET /cpu/fib/:n?mode=inline`: the same CPU work, wherever `mode` says. */
export function registerCpuRoute(
  app: FastifyInstance,
  options: ResolvedOptions,
  runners: Record<string, FibRunner> = fibRunners(),
) {
  const modes = Object.keys(runners)
  app.get<{ Params: { n: number }; Querystring: { mode: string } }>(
    '/cpu/fib/:n',
    {
      schema: {
        params: {
          type: 'object',
          required: ['n'],
          properties: { n: { type: 'integer', minimum: 0, maximum: options.maxFibN } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { mode: { type: 'string', enum: modes, default: modes[0] } },
        },
      },
    },
    async (request) => {
      const { n } = request.params
      const { mode } = request.query
      const start = performance.now()
      const value = await runners[mode]!(n)
      return { n, value, mode, ms: Math.round((performance.now() - start) * 1000) / 1000 }
    },
  )
}
