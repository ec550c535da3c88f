import { Command, Option } from 'commander'
import { examples, given, type ProgramHooks } from '../../flags/declare'
import { parseDuration, parseHttpUrl, parseInteger, parseRate } from '../../flags/parsers'
import { addRunFlags } from '../../flags/run-flags'
import { type BatchFlags, batchSettings } from './settings'

const AFTER = `

Each output line: { key, index, status, response | error, attempts, ms }. Ctrl-C stops new
requests and retries, lets in-flight ones finish, flushes and exits 130 (a second Ctrl-C exits
at once); re-run with --resume to continue, --resume --retry-failed to also send failed records
again. The summary counts the requests made (retries included), 429s and Retry-After cooldowns.

With --redis, workers make the requests and this process writes the same ordered, resumable output:
--concurrency, --timeout and credential headers are each worker's (refused here: secrets never go
through Redis), --rate and --retries hold for the whole cluster. Ctrl-C stops adding jobs; the jobs
added go on in the workers and --resume reads their outcomes.`

/** `boundkit batch <input> --url <url> --out <file> [options]`. */
export function batchCommand(hooks: ProgramHooks): Command {
  const command = new Command('batch')
    .description(
      'POST each record of a JSONL file as JSON to a URL, with limits and retries, into an ordered JSONL output.',
    )
    .argument('<input>', 'the input JSONL file, one JSON record a line')
    .addOption(
      new Option('--url <url>', 'where to POST each record')
        .makeOptionMandatory()
        .argParser((text: string) => parseHttpUrl('--url', text).href),
    )
    .addOption(
      new Option(
        '--concurrency <n>',
        "requests in flight at once (with --redis: each worker's --concurrency)",
      )
        .default(8)
        .argParser((text: string) => parseInteger('--concurrency', text, 1, { max: 10_000 })),
    )
    .addOption(
      new Option(
        '--rate <N/s>',
        'at most N request starts per second (also N/min, N/250ms); with --redis, for all workers together',
      ).argParser(parseRate),
    )
    .addOption(
      new Option('--retries <n>', 'retries after a failed attempt (429, 5xx, network errors, timeouts)')
        .default(3)
        .argParser((text: string) => parseInteger('--retries', text, 0, { max: 100 })),
    )
    .addOption(
      new Option('--timeout <ms>', 'timeout of one attempt (500, 2s, 1min)')
        .default(30_000, '30s')
        .argParser((text: string) => parseDuration('--timeout', text)),
    )
    .option(
      '--key <field>',
      "the record's id field, or a dotted path (metadata.conv_id) (default: the record's line number in the input)",
    )
  addRunFlags(command, {
    out: 'the output JSONL file (ordered, crash-safe)',
    resume: 'the records it already holds',
    retryFailed:
      'with --resume: send again the records whose line is a failure; the output ends with one line per record, the newest',
  })
  return command
    .addHelpText(
      'after',
      examples(
        'boundkit batch conversations.jsonl --url http://127.0.0.1:3000/v1/judge --out judged.jsonl --key id',
        'boundkit batch in.jsonl --url https://api.example.com/score --rate 20/s --concurrency 16 \\',
        '    --header "Authorization: Bearer $TOKEN" --out out.jsonl --resume --retry-failed',
        'boundkit batch in.jsonl --url https://api.example.com/score --rate 20/s --out out.jsonl \\',
        '    --redis "$REDIS_URL"   # workers: boundkit worker --redis "$REDIS_URL" --header "Authorization: Bearer $TOKEN" --origin https://api.example.com',
      ) + AFTER,
    )
    .action(async (input: string, flags: BatchFlags, self: Command) => {
      const settings = batchSettings(input, flags, given(self))
      const { runBatch } = await import('./run')
      hooks.exit(await runBatch(settings))
    })
}
