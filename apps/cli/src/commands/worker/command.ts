import { Command, Option } from 'commander'
import { UsageError } from '../../errors'
import { addAuthFlags } from '../../flags/auth'
import { examples, type ProgramHooks } from '../../flags/declare'
import { addMetricsFlags } from '../../flags/metrics'
import { collect, parseDuration, parseHeader, parseInteger, parseOrigin } from '../../flags/parsers'
import { DEFAULT_QUEUE } from '../../flags/redis'
import { type WorkerFlags, workerSettings } from './settings'

const AFTER = `

What to do travels with the jobs (URL, method, body, non-secret headers, attempts, the cluster's rate);
secrets do not: this worker adds its --header and --api-key-env to every request, which go only to the
--origin it was given (a job for another origin fails, unsent); a pool job runs only a --worker-file
given here (any other file is never loaded). SIGTERM or Ctrl-C:
no new jobs, the running ones finish, then it exits (0 after SIGTERM, 130 after Ctrl-C), within
--close-timeout whether Redis is up or down; jobs still running then (or at a second signal, which
exits at once) run elsewhere once their lock expires. Anyone who can write to the Redis can still
make a worker run its worker files and ask its origins: keep Redis private (a password, TLS, a private
network).`

const duration = (name: string) => (text: string) => parseDuration(name, text)

/** `boundkit worker --redis <url> [options]`. */
export function workerCommand(hooks: ProgramHooks): Command {
  const command = new Command('worker')
    .description(
      'Take the jobs of a queue in Redis (from batch --redis, llm --redis or any boundkit producer) and run them, until SIGTERM or Ctrl-C.',
    )
    .requiredOption(
      '--redis <url>',
      'the Redis URL (redis://, rediss:// for TLS); its password is never printed',
    )
    .option('--queue <name>', "the queue's name, the producer's --queue", DEFAULT_QUEUE)
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
    .addOption(
      new Option(
        '--header <K: V>',
        'add a header to every request of this worker (repeatable; secrets belong here)',
      ).argParser((text: string, previous: [string, string][] | undefined) => [
        ...(previous ?? []),
        parseHeader(text),
      ]),
    )
  command
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
  command
    .addOption(
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
    .option('--json', 'print the final summary as JSON on stdout')
  return addMetricsFlags(
    command,
    'this worker (jobs running, done, failed attempts, 429s, cooldowns, its limiter)',
  )
    .addHelpText(
      'after',
      examples(
        'boundkit worker --redis redis://127.0.0.1:6379 --concurrency 16',
        'OPENAI_API_KEY=sk-... boundkit worker --redis "$REDIS_URL" --api-key-env OPENAI_API_KEY --origin https://api.openai.com --concurrency 32',
        'boundkit worker --redis "rediss://default:$PASS@cache.example.com:6380" --header "Authorization: Bearer $TOKEN" --origin https://api.example.com',
        'boundkit worker --redis "$REDIS_URL" --worker-file tasks.mjs --concurrency 2',
      ) + AFTER,
    )
    .action(async (flags: WorkerFlags) => {
      const settings = workerSettings(flags)
      const { runWorker } = await import('./run')
      hooks.exit(await runWorker(settings))
    })
}
