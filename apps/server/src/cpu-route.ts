import type { Pool } from '@boundkit/pool'
import type { FastifyInstance } from 'fastify'
import { fib } from './fib'
import { clientGone } from './http-errors'
import type { ResolvedOptions } from './options'

/**
 * Runs `fib(n)` somewhere: on the event loop (`inline`) or in a worker (`pool`). `signal` aborts when
 * the client goes away (a pool task is then stopped; inline work cannot be).
 */
export type FibRunner = (n: number, signal: AbortSignal) => Promise<number>

/**
 * The execution modes of `GET /cpu/fib/:n`; the `mode` query parameter accepts exactly these keys.
 * `pool` runs the very same `fib` (src/fib.ts) in the pool's worker file.
 */
export function fibRunners(pool?: Pool): Record<string, FibRunner> {
  const runners: Record<string, FibRunner> = { inline: async (n) => fib(n) }
  if (pool) runners.pool = async (n, signal) => (await pool.run('fib', n, { signal })) as number
  return runners
}

/** `GET /cpu/fib/:n?mode=inline|pool`: the same CPU work, wherever `mode` says. */
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
    async (request, reply) => {
      const { n } = request.params
      const { mode } = request.query
      const start = performance.now()
      const value = await runners[mode]!(n, clientGone(reply))
      return { n, value, mode, ms: Math.round((performance.now() - start) * 1000) / 1000 }
    },
  )
}
