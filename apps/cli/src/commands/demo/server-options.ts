/**
 * The demo server's settings: a judge API with latency, a 50/s quota (429 + Retry-After) and
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
    // A quota of 50 a second, below what 8 calls in flight ask (8 / 60 ms): the bucket holds one
    // second's worth, so a client that waits out a 429's Retry-After (whole seconds, at least 1) finds
    // the quota full again, and one that ignores it meets a 429 for every request past the quota.
    ratePerSecond: 50,
    burst: 50,
    faultRate: 0.05,
    // Plain 500s and resets: the only Retry-After the I/O scenario's clients meet is a 429's, so its
    // cooldowns are the quota's alone (a 503's Retry-After follows a policy of its own).
    faultKinds: ['500', 'reset'],
  },
} as const
