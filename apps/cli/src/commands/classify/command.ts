import { Command, Option } from 'commander'
import { examples, type ProgramHooks } from '../../flags/declare'
import { parseDuration, parseInteger, parseJson } from '../../flags/parsers'
import type { ClassifyFlags } from './run'

/** `boundkit classify -- <command ...>` or `boundkit classify <module>#<export>`. */
export function classifyCommand(hooks: ProgramHooks): Command {
  return new Command('classify')
    .description('Measure a command or an exported function and say which concurrency model fits, and why.')
    .usage('[options] -- <command ...>  |  [options] <module>#<export>')
    .argument('[target...]', 'a command after --, or <module>#<export>')
    .addOption(
      new Option('--arg <json>', 'module mode: the JSON value passed to the function').argParser(
        (text: string) => parseJson('--arg', text),
      ),
    )
    .addOption(
      new Option('--runs <n>', 'measured runs after a warm-up')
        .default(3)
        .argParser((text: string) => parseInteger('--runs', text, 1, { max: 1000 })),
    )
    .addOption(
      new Option('--time-budget <ms>', 'total time the measurement may take (500, 2s, 1min)')
        .default(10_000, '10s')
        .argParser((text: string) => parseDuration('--time-budget', text)),
    )
    .addOption(
      new Option('--max-concurrency <n>', 'highest concurrency the probe tries')
        .default(8)
        .argParser((text: string) => parseInteger('--max-concurrency', text, 1, { max: 1024 })),
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      examples(
        'boundkit classify -- node -e "for (let i = 0; i < 3e8; i++);"',
        'boundkit classify -- curl -s https://example.com',
        'boundkit classify ./tasks.mjs#resize --arg \'{"width": 256}\' --json',
      ),
    )
    .action(async (target: string[], flags: ClassifyFlags, self: Command) => {
      const { runClassify } = await import('./run')
      const raw = (self.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? process.argv
      hooks.exit(await runClassify(target, flags, raw.includes('--')))
    })
}
