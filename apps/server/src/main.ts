#!/usr/bin/env node
import { helpText, parseCommandLine } from './command-line'
import { type RunningServer, startServer } from './server'

let parsed: ReturnType<typeof parseCommandLine>
try {
  parsed = parseCommandLine(process.argv.slice(2), process.env)
} catch (error) {
  console.error(`boundkit server: ${(error as Error).message}`)
  process.exit(2)
}
if (parsed.help) {
  console.log(helpText())
  process.exit(0)
}

// Handlers first, so a signal that arrives as soon as the URL is printed is never the default kill.
let server: RunningServer | undefined
let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      console.error(`boundkit server: second ${signal}, exiting now`)
      process.exit(1)
    }
    stopping = true
    console.log(`boundkit server: ${signal}, finishing in-flight requests`)
    ;(server?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`boundkit server: shutdown failed: ${(error as Error).message}`)
        process.exit(1)
      },
    )
  })
}

try {
  server = await startServer(parsed.options)
} catch (error) {
  console.error(`boundkit server: cannot start: ${(error as Error).message}`)
  process.exit(1)
}
if (stopping) await server.close()
else console.log(`boundkit demo server listening on ${server.url}`)
