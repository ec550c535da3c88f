/**
 * The demo server's settings: a judge API with latency, a 100/s rate limit (429 + Retry-After) and
 * faults; images with an origin's latency.
 */
export const demoServerOptions = {
  port: 0,
  seed: 42,
  // POST /v1/chat/completions: per-minute limits enforced per 5 s window (tokens binding), for the
  // I/O scenario's `boundkit llm` run.
  chatRpm: 600,
  chatTpm: 24_000,
  chatWindowMs: 5000,
  // Images answer after 200 ms, like a remote origin: downloads are waits, the thumbnails are CPU.
  imageLatencyMs: 200,
  judge: {
    latencyDistribution: 'normal',
    latencyMs: 60,
    latencySpreadMs: 20,
    ratePerSecond: 100,
    burst: 10,
    faultRate: 0.05,
    // 503s carry Retry-After, which pauses a whole limiter: the faults here are plain 500s and resets,
    // and the 429s come from the rate limit.
    faultKinds: ['500', 'reset'],
  },
} as const
