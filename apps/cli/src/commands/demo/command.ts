import { Command, Option } from 'commander'
import { examples, type ProgramHooks } from '../../flags/declare'
import { addLiveFlags } from '../../flags/live'
import { parseInteger } from '../../flags/parsers'
import type { DemoFlags } from './run'
import { demoServerOptions } from './server-options'

/** `boundkit demo [options]`. */
export function demoCommand(hooks: ProgramHooks): Command {
  const command = new Command('demo')
    .description(
      'Start the demo server in-process and run each scenario its baseline way and the boundkit way, then print a summary table.',
    )
    .option('--quick', 'smaller sizes: under a minute on 2 cores')
    .addOption(
      new Option('--scenario <name>', 'run one scenario only').choices([
        'classify',
        'io',
        'cpu',
        'shared',
        'mixed',
      ]),
    )
    .option('--json', 'print the summary as JSON on stdout (progress goes to stderr)')
    .option('--out <dir>', 'folder for the outputs (default: a new folder under the system temp folder)')
    .addOption(
      new Option('--seed <n>', "seed of the demo server's latency and fault draws")
        .default(demoServerOptions.seed)
        .argParser((text: string) => parseInteger('--seed', text, 0, { max: 2 ** 32 - 1 })),
    )
  return addLiveFlags(command)
    .addHelpText(
      'after',
      examples(
        'boundkit demo',
        'boundkit demo --quick --scenario io',
        'boundkit demo --quick --dashboard   # watch each scenario live; the demo server has its own at /dashboard/',
        'boundkit demo --quick --json --out ./demo-out > summary.json',
      ),
    )
    .action(async (flags: DemoFlags) => {
      const { runDemo } = await import('./run')
      hooks.exit(await runDemo(flags))
    })
}
