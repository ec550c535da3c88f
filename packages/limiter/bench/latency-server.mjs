// A local HTTP server for the benchmarks, run as a child process so its work does not share the
// benchmark's event loop: every request is answered after ?delay= ms (default 50).
import { createServer } from 'node:http'

let inFlight = 0
let peak = 0
const server = createServer((req, res) => {
  if (req.url === '/stats') {
    // Reports and resets the peak; `inFlight` lets a case wait for the previous one to drain.
    res.end(JSON.stringify({ peak, inFlight }))
    peak = inFlight
    return
  }
  const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 50)
  inFlight++
  peak = Math.max(peak, inFlight)
  setTimeout(() => {
    inFlight--
    res.end('ok')
  }, delay)
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`)
})
process.on('disconnect', () => process.exit(0))
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
