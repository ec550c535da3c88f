#!/usr/bin/env node
import { createRequire } from 'node:module'
import { CommanderError } from 'commander'
import { EXIT, messageOf, UsageError } from './errors'
import { createProgram } from './program'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

// `boundkit --help | head -1`: the reader closed the pipe before everything was written. Stop
// quietly, as a command killed by SIGPIPE would, instead of crashing with an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(Number(process.exitCode ?? EXIT.ok))
  })
}

try {
  const setExitCode = (code: number) => {
    process.exitCode = code
  }
  await createProgram(version, { exit: setExitCode }).parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; every other parse failure is a usage error.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage
  } else if (error instanceof UsageError) {
    console.error(`boundkit: ${error.message}`)
    process.exitCode = EXIT.usage
  } else {
    console.error(`boundkit: ${messageOf(error)}`)
    process.exitCode = EXIT.someFailed
  }
}
