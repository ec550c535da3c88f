import type { FastifyReply, FastifyRequest } from 'fastify'
import { type FaultKind, faultPicker } from './faults'
import { latencySampler } from './latency'
import type { ResolvedServerOptions } from './options'

/** What the judge-like routes (`/v1/judge`, `/v1/chat/completions`) draw for each admitted request. */
export interface JudgeBehaviour {
  /** Whether this request fails on purpose, and how. */
  nextFault: () => FaultKind | undefined
  /** Its latency, in ms, from the configured distribution. */
  nextLatency: () => number
}

/** The judge's fault and latency draws (`judge.*` options, from the server's one random source). */
export function judgeBehaviour(options: ResolvedServerOptions): JudgeBehaviour {
  const { judge, random } = options
  return {
    nextFault: faultPicker(judge.faultRate, judge.faultKinds, random),
    nextLatency: latencySampler(
      {
        distribution: judge.latencyDistribution,
        meanMs: judge.latencyMs,
        spreadMs: judge.latencySpreadMs,
        maxMs: judge.latencyMaxMs,
      },
      random,
    ),
  }
}

/** The `reset` fault: the connection is destroyed with a TCP RST, no answer. */
export function resetConnection(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack()
  if (!request.raw.socket.destroyed) request.raw.socket.resetAndDestroy()
  return reply
}
