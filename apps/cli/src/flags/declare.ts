import type { Command } from 'commander'

/** What a command's action resolves with: the process exit code. */
export type ExitCode = number

/** How the program hands each command's exit code back (`main.ts` sets `process.exitCode`). */
export interface ProgramHooks {
  /** Receives each command's exit code. */
  exit(code: ExitCode): void
}

const ENV_NOTE = '\nNO_COLOR turns colours off; without a TTY, progress is printed as plain periodic lines.'

/** A command's help epilogue: its examples, then the note on colours and progress. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n${ENV_NOTE}`
}

/** The options given on the command line (not defaulted), by commander's names: `--redis` refuses some of them. */
export function given(command: Command): string[] {
  return command.options
    .map((option) => option.attributeName())
    .filter((name) => command.getOptionValueSource(name) === 'cli')
}
