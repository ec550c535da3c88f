import { Command } from 'commander'
import { examples, type ProgramHooks } from '../../flags/declare'
import { addMetricsFlags } from '../../flags/metrics'
import { DEFAULT_QUEUE } from '../../flags/redis'
import { addRunFlags, addTrustFlags } from './flags'
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
  addTrustFlags(addRunFlags(command)).option('--json', 'print the final summary as JSON on stdout')
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
