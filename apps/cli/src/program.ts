import { Command } from 'commander'
import { batchCommand } from './commands/batch/command'
import { classifyCommand } from './commands/classify/command'
import { demoCommand } from './commands/demo/command'
import { llmCommand } from './commands/llm/command'
import { workerCommand } from './commands/worker/command'
import { examples, type ProgramHooks } from './flags/declare'

export type { ExitCode, ProgramHooks } from './flags/declare'

/**
 * The `boundkit` command: each subcommand is declared in its folder (`commands/<name>/command.ts`,
 * its flags with their parsers), and loads its run only when it runs. Exit codes: 0 ok, 1 some items
 * failed, 2 usage error, 130 interrupted.
 */
export function createProgram(version: string, hooks: ProgramHooks = { exit: () => {} }): Command {
  const program = new Command('boundkit')
    .description('Pick and apply the right concurrency model for Node.js batch jobs and servers.')
    .version(version, '-V, --version')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `${examples(
        'boundkit demo --quick          # every scenario, briefly',
        'boundkit batch in.jsonl --url http://127.0.0.1:3000/v1/judge --out results.jsonl',
        'boundkit llm requests.jsonl --out results.jsonl --rpm 500 --tpm 200000',
        'boundkit worker --redis redis://127.0.0.1:6379 --concurrency 16   # on each machine, then:',
        'boundkit batch in.jsonl --url http://10.0.0.5:3000/v1/judge --out results.jsonl --redis redis://127.0.0.1:6379',
        'boundkit classify -- node -e "for (let i = 0; i < 1e8; i++);"',
      )}\n\nExit codes: 0 success, 1 some items failed, 2 usage error, 3 llm --max-cost reached, 130 interrupted.`,
    )
  for (const command of [demoCommand, batchCommand, llmCommand, workerCommand, classifyCommand]) {
    // Each subcommand shows its help after a usage error and reports it instead of exiting.
    program.addCommand(command(hooks).showHelpAfterError().exitOverride())
  }
  return program
}
