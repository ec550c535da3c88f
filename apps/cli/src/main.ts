#!/usr/bin/env node
import { createRequire } from 'node:module'
import { CommanderError } from 'commander'
import { createProgram } from './program'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

try {
  await createProgram(version).parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; every other parse failure is a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : 2
  } else {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  }
}
