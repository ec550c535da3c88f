#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startServer } from './server'

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '3000' } } })
const server = await startServer({ port: Number(values.port) })
console.log(`boundkit demo server listening on ${server.url}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0))
  })
}
