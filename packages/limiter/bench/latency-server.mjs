// A local HTTP server for the benchmarks, run as a child process so its work does not share the
// benchmark's event loop: every request is answered after ?delay= ms (default 50); with ?fail=share,
// that share of requests (drawn at random) is answered 503 with Retry-After: 1 instead (a flaky server).
import { createServer } from 'node:http'

let inFlight = 0
let peak = 0
let failed = 0
const server = createServer((req, res) => {
  if (req.url === '/stats') {
    // Reports and resets the peak; `inFlight` lets a case wait for the previous one to drain.
    res.end(JSON.stringify({ peak, inFlight, failed }))
    peak = inFlight
    failed = 0
    return
  }
  const params = new URL(req.url ?? '/', 'http://x').searchParams
  const delay = Number(params.get('delay') ?? 50)
  const fail = Math.random() < Number(params.get('fail') ?? 0)
  inFlight++
  peak = Math.max(peak, inFlight)
  setTimeout(() => {
    inFlight--
    if (!fail) return res.end('ok')
    failed++
    res.writeHead(503, { 'retry-after': '1' }).end('unavailable')
  }, delay)
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`)
})
process.on('disconnect', () => process.exit(0))
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
