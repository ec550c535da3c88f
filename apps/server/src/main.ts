#!/usr/bin/env node
import { helpText, parseCommandLine } from './command-line'
import { startServer } from './server'

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

const server = await startServer(parsed.options)
console.log(`boundkit demo server listening on ${server.url}`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      console.error(`boundkit server: second ${signal}, exiting now`)
      process.exit(1)
    }
    stopping = true
    console.log(`boundkit server: ${signal}, finishing in-flight requests`)
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`boundkit server: shutdown failed: ${(error as Error).message}`)
        process.exit(1)
      },
    )
  })
}
