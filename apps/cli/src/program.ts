import { Command } from 'commander'

/** The `boundkit` command and its subcommands. Exit codes: 0 ok, 1 some items failed, 2 usage error. */
export function createProgram(version: string): Command {
  const program = new Command('boundkit')
    .description('Pick and apply the right concurrency model for Node.js batch jobs and servers.')
    .version(version, '-V, --version')
    .showHelpAfterError()
    .exitOverride()
  program.addHelpText(
    'after',
    '\nExamples:\n  boundkit --help\n  boundkit --version\n\nNO_COLOR is respected; output without a TTY is plain text.',
  )
  return program
}
