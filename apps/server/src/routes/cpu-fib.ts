import type { Pool } from '@boundkit/pool'
import type { FastifyInstance } from 'fastify'
import { ServerError } from '../errors'
import { fib } from '../fib'
import type { ResolvedServerOptions } from '../options'
import { requestSignal } from '../request-signal'

/**
 * Runs `fib(n)` somewhere. `signal` fires when the client goes away or the shutdown deadline passes: a
 * pool task is then stopped; inline work cannot be.
 */
type FibRunner = (n: number, signal: AbortSignal) => Promise<number>

/**
 * `GET /cpu/fib/:n?mode=inline|pool`: the same CPU work (src/fib.ts) on the event loop (`inline`, the
 * default) or in a worker of the pool (`pool`). `n` is plain decimal digits: Ajv's coercion would also
 * read `0x10`, `1e1`, ` 5` or `5.0` as a number, so `n` is checked as a string and converted here.
 */
export function registerCpuFibRoute(
  app: FastifyInstance,
  options: ResolvedServerOptions,
  pool: Pool,
  shutdown: AbortSignal,
): void {
  const runners: Record<string, FibRunner> = {
    inline: async (n) => fib(n),
    pool: async (n, signal) => (await pool.run('fib', n, { signal })) as number,
  }
  const modes = Object.keys(runners)
  app.get<{ Params: { n: string }; Querystring: { mode: string } }>(
    '/cpu/fib/:n',
    {
      schema: {
        params: {
          type: 'object',
          required: ['n'],
          properties: { n: { type: 'string', pattern: '^[0-9]+$' } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { mode: { type: 'string', enum: modes, default: modes[0] } },
        },
      },
    },
    async (request, reply) => {
      const n = Number(request.params.n)
      if (n > options.maxFibN) {
        throw new ServerError('ERR_VALIDATION', `params/n must be <= ${options.maxFibN}`, { status: 400 })
      }
      const { mode } = request.query
      const start = performance.now()
      let value: number
      try {
        value = await runners[mode]!(n, requestSignal(reply, shutdown))
      } catch (error) {
        if (!shutdown.aborted) throw error
        throw new ServerError('ERR_UNAVAILABLE', 'The server shut down before the answer was ready', {
          status: 503,
          cause: error,
        })
      }
      return { n, value, mode, ms: Math.round((performance.now() - start) * 1000) / 1000 }
    },
  )
}
