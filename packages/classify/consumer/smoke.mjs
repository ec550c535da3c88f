// Installed from its tarball: classify a timer and a command, from ESM.
import { classify, classifyCommand, format } from '@boundkit/classify'

const report = await classify(() => new Promise((resolve) => setTimeout(resolve, 10)), {
  runs: 2,
  maxConcurrency: 4,
})
if (report.kind !== 'io') throw new Error(`expected io, got ${report.kind}\n${format(report)}`)
const command = await classifyCommand(process.execPath, ['-e', '0'], { runs: 1, maxConcurrency: 2 })
if (command.runs.length !== 1) throw new Error('expected one command run')
console.log(format(report).split('\n')[0])
