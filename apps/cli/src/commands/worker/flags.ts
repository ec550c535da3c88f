import { type Command, Option } from 'commander'
import { UsageError } from '../../errors'
import { addAuthFlags } from '../../flags/auth'
import { collect, parseDuration, parseHeader, parseInteger, parseOrigin } from '../../flags/parsers'

const duration = (name: string) => (text: string) => parseDuration(name, text)

/** How the worker runs its jobs: how many at once, their timeout, their locks, its grace period. */
export function addRunFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--concurrency <n>', 'jobs (requests) this worker runs at once')
        .default(8)
        .argParser((text: string) => parseInteger('--concurrency', text, 1, { max: 10_000 })),
    )
    .addOption(
      new Option('--timeout <ms>', 'timeout of one request (500, 2s, 1min)')
        .default(600_000, '10min')
        .argParser(duration('--timeout')),
    )
    .addOption(
      new Option(
        '--lock-duration <ms>',
        "how long a job's lock lasts without renewal (default 5s): a killed worker's jobs run elsewhere within 3/4 to 1.5 times it; an event loop blocked for 3/4 of it loses its locks (the jobs run twice)",
      ).argParser(duration('--lock-duration')),
    )
    .addOption(
      new Option(
        '--close-timeout <ms>',
        'the grace period after SIGTERM or Ctrl-C: how long the running jobs may take to finish and be recorded in Redis, whatever Redis does',
      )
        .default(20_000, '20s')
        .argParser(duration('--close-timeout')),
    )
}

/** What the worker trusts a job with: its credentials, the origins they go to, the files it runs; and its name. */
export function addTrustFlags(command: Command): Command {
  command
    .addOption(
      new Option(
        '--header <K: V>',
        'add a header to every request of this worker (repeatable; secrets belong here)',
      ).argParser((text: string, previous: [string, string][] | undefined) => [
        ...(previous ?? []),
        parseHeader(text),
      ]),
    )
    .addOption(
      new Option(
        '--origin <url>',
        'an origin (https://api.openai.com) the jobs may send requests to (repeatable; required with --header or --api-key-env: the credentials go nowhere else; default without them: any)',
      ).argParser((text: string, previous: string[] | undefined) => [...(previous ?? []), parseOrigin(text)]),
    )
    .addOption(
      new Option(
        '--worker-file <path>',
        'a defineWorker file the pool jobs may run, in this directory (repeatable; default: none, pool jobs are refused)',
      ).argParser(collect),
    )
  addAuthFlags(
    command,
    'the environment variable holding an API key, sent as Authorization: Bearer (never put in Redis)',
    "with --api-key-env: send the key as Azure's api-key header",
  )
  command.addOption(
    new Option(
      '--name <name>',
      "this worker's name in the producer's --dashboard and --report, its share of the outcomes (default: host:pid)",
    ).argParser((name: string) => {
      if (name === '' || /\s/.test(name)) {
        throw new UsageError(`Expected --name to be a name without spaces, got ${JSON.stringify(name)}`)
      }
      return name
    }),
  )
  return command
}
