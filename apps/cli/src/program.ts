import { Command, Option } from 'commander'
import { DEFAULT_MAX_RESPONSE_BYTES } from './commands/batch/settings'
import { DEFAULT_API_KEY_ENV, DEFAULT_BASE_URL } from './commands/llm/settings'
import { demoServerOptions } from './demo/server-options'
import { collect } from './flags/parsers'
import { DEFAULT_QUEUE } from './queue/settings'

/** What a command's action resolves with: the process exit code. */
export type ExitCode = number

export interface ProgramHooks {
  /** Receives each command's exit code. */
  exit(code: ExitCode): void
}

const ENV_NOTE = '\nNO_COLOR turns colours off; without a TTY, progress is printed as plain periodic lines.'

/** The options given on the command line (not defaulted): `--redis` refuses some of them. */
function given(command: Command): string[] {
  return command.options
    .map((option) => option.attributeName())
    .filter((name) => command.getOptionValueSource(name) === 'cli')
}

const DASHBOARD_HELP =
  'serve a live page of the run (charts over Server-Sent Events) on 127.0.0.1; its address goes to stderr, and it stays after the run until Ctrl-C (port: default a free one)'
const DASHBOARD_HOST_HELP =
  'the address the dashboard listens on (default 127.0.0.1; 0.0.0.0 shows the run, file names and error messages to your whole network)'
const REPORT_HELP =
  'write the final state of the run as one self-contained HTML page (charts included) to <file>'
const REDIS_HELP =
  'enqueue the records in Redis as jobs; `boundkit worker` processes (here or on other machines) make the requests'
const QUEUE_HELP = `with --redis: the queue's name, the workers' --queue (default: ${DEFAULT_QUEUE})`

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n${ENV_NOTE}`
}

/** The `boundkit` command and its subcommands. Exit codes: 0 ok, 1 some items failed, 2 usage error, 130 interrupted. */
export function createProgram(version: string, hooks: ProgramHooks = { exit: () => {} }): Command {
  const program = new Command('boundkit')
    .description('Pick and apply the right concurrency model for Node.js batch jobs and servers.')
    .version(version, '-V, --version')
    .showHelpAfterError()
    .exitOverride()
  program.addHelpText(
    'after',
    `${examples(
      'boundkit demo --quick          # every scenario, briefly',
      'boundkit batch in.jsonl --url http://127.0.0.1:3000/v1/judge --out results.jsonl',
      'boundkit llm requests.jsonl --out results.jsonl --rpm 500 --tpm 200000',
      'boundkit worker --redis redis://127.0.0.1:6379 --concurrency 16   # on each machine, then:',
      'boundkit batch in.jsonl --url http://10.0.0.5:3000/v1/judge --out results.jsonl --redis redis://127.0.0.1:6379',
      'boundkit classify -- node -e "for (let i = 0; i < 1e8; i++);"',
    )}\n\nExit codes: 0 success, 1 some items failed, 2 usage error, 130 interrupted.`,
  )

  program
    .command('demo')
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
    .option('--seed <n>', "seed of the demo server's latency and fault draws", String(demoServerOptions.seed))
    .option('--dashboard [port]', DASHBOARD_HELP)
    .option('--dashboard-host <host>', DASHBOARD_HOST_HELP)
    .option('--report <file>', REPORT_HELP)
    .addHelpText(
      'after',
      examples(
        'boundkit demo',
        'boundkit demo --quick --scenario io',
        'boundkit demo --quick --dashboard   # watch each scenario live; the demo server has its own at /dashboard/',
        'boundkit demo --quick --json --out ./demo-out > summary.json',
      ),
    )
    .action(async (options) => {
      const { runDemo } = await import('./demo/run-demo')
      hooks.exit(await runDemo(options))
    })

  program
    .command('batch')
    .description(
      'POST each record of a JSONL file as JSON to a URL, with limits and retries, into an ordered JSONL output.',
    )
    .argument('<input>', 'the input JSONL file, one JSON record a line')
    .requiredOption('--url <url>', 'where to POST each record')
    .requiredOption('--out <file>', 'the output JSONL file (ordered, crash-safe)')
    .option(
      '--concurrency <n>',
      "requests in flight at once (with --redis: each worker's --concurrency)",
      '8',
    )
    .option(
      '--rate <N/s>',
      'at most N request starts per second (also N/min, N/250ms); with --redis, for all workers together',
    )
    .option('--retries <n>', 'retries after a failed attempt (429, 5xx, network errors, timeouts)', '3')
    .option('--timeout <ms>', 'timeout of one attempt (500, 2s, 1min)', '30s')
    .option(
      '--max-response-bytes <n>',
      'largest response body read (bytes, or 64KiB, 32MiB); past it the record fails with ERR_RESPONSE_TOO_LARGE',
      DEFAULT_MAX_RESPONSE_BYTES,
    )
    .option('--header <K: V>', 'add a request header (repeatable)', collect)
    .option(
      '--key <field>',
      "the record's id field, or a dotted path (metadata.conv_id) (default: the record's line number in the input)",
    )
    .option('--resume', 'keep the output file and skip the records it already holds')
    .option(
      '--retry-failed',
      'with --resume: send again the records whose line is a failure; the output ends with one line per record, the newest',
    )
    .option('--skip-bad', 'skip malformed input lines (reported with their line number) instead of failing')
    .option('--json', 'print the final summary as JSON on stdout')
    .option('--redis <url>', REDIS_HELP)
    .option('--queue <name>', QUEUE_HELP)
    .option('--dashboard [port]', DASHBOARD_HELP)
    .option('--dashboard-host <host>', DASHBOARD_HOST_HELP)
    .option('--report <file>', REPORT_HELP)
    .addHelpText(
      'after',
      `${examples(
        'boundkit batch conversations.jsonl --url http://127.0.0.1:3000/v1/judge --out judged.jsonl --key id',
        'boundkit batch in.jsonl --url https://api.example.com/score --rate 20/s --concurrency 16 \\',
        '    --header "Authorization: Bearer $TOKEN" --out out.jsonl --resume --retry-failed',
        'boundkit batch in.jsonl --url https://api.example.com/score --rate 20/s --out out.jsonl \\',
        '    --redis "$REDIS_URL"   # workers: boundkit worker --redis "$REDIS_URL" --header "Authorization: Bearer $TOKEN"',
      )}\n\nEach output line: { key, index, status, response | error, attempts, ms }. Ctrl-C stops new\nrequests and retries, lets in-flight ones finish, flushes and exits 130 (a second Ctrl-C exits\nat once); re-run with --resume to continue, --resume --retry-failed to also send failed records\nagain. The summary counts the requests made (retries included), 429s and Retry-After cooldowns.\n\nWith --redis, workers make the requests and this process writes the same ordered, resumable output:\n--concurrency, --timeout and credential headers are each worker's (refused here: secrets never go\nthrough Redis), --rate and --retries hold for the whole cluster. Ctrl-C stops adding jobs; the jobs\nadded go on in the workers and --resume reads their outcomes.`,
    )
    .action(async (input: string, options, command: Command) => {
      const { runBatch } = await import('./commands/batch/run')
      hooks.exit(await runBatch(input, { ...options, given: given(command) }))
    })

  program
    .command('llm')
    .description(
      'Run an OpenAI Batch API request file (or records filled into a template) live, at the API limits, resumable, into the Batch API output format in input order.',
    )
    .argument(
      '<input>',
      'a Batch API request file ({"custom_id","method","url","body"} a line), or plain records with --template',
    )
    .requiredOption(
      '--out <file>',
      'the output JSONL file (Batch API output lines, in input order, crash-safe)',
    )
    .option(
      '--base-url <url>',
      'the API base URL; a request url /v1/... is joined to it without doubling /v1',
      DEFAULT_BASE_URL,
    )
    .option('--rpm <n>', "the account's requests per minute (with --redis, for all workers together)")
    .option(
      '--tpm <n>',
      "the account's tokens per minute (each request's estimate, then its usage); not with --redis",
    )
    .option(
      '--concurrency <n>',
      "requests in flight at once, or 'auto' (adaptive); with --redis: each worker's --concurrency",
      'auto',
    )
    .option(
      '--template <file>',
      'plain records: fill {{field}} (dotted paths) into this chat prompt (with --model)',
    )
    .option('--model <name>', 'the model of the --template requests')
    .option(
      '--key <field>',
      "with --template: the record's custom_id field, or a dotted path (default: its line number)",
    )
    .option(
      '--json-answer',
      "parse the first choice's content as JSON into the line's `answer` (ERR_ANSWER_NOT_JSON if not)",
    )
    .option('--price <in=X,out=Y>', 'USD per 1M input and output tokens, for the cost in the summary')
    .option(
      '--max-attempts <n>',
      'attempts per request (429, 5xx, network errors, timeouts are retried)',
      '6',
    )
    .option('--timeout <ms>', 'timeout of one attempt (500, 2s, 1min)', '10min')
    .option(
      '--max-response-bytes <n>',
      'largest response body read (bytes, or 64KiB, 32MiB)',
      DEFAULT_MAX_RESPONSE_BYTES,
    )
    .option(
      '--api-key-env <name>',
      `the environment variable holding the API key (default: ${DEFAULT_API_KEY_ENV}; unset: no key sent)`,
    )
    .option('--azure', "send the key as Azure's api-key header instead of Authorization: Bearer")
    .option('--header <K: V>', 'add a request header (repeatable)', collect)
    .option('--resume', 'keep the output file and skip the custom_ids it already holds')
    .option(
      '--retry-failed',
      'with --resume: send again the requests whose line is a failure; the output ends with one line per custom_id, the newest',
    )
    .option('--skip-bad', 'skip malformed input lines (reported with their line number) instead of failing')
    .option('--json', 'print the final summary as JSON on stdout')
    .option('--redis <url>', REDIS_HELP)
    .option('--queue <name>', QUEUE_HELP)
    .option('--dashboard [port]', DASHBOARD_HELP)
    .option('--dashboard-host <host>', DASHBOARD_HOST_HELP)
    .option('--report <file>', REPORT_HELP)
    .addHelpText(
      'after',
      examples(
        'boundkit llm requests.jsonl --out results.jsonl --rpm 500 --tpm 200000 --price in=0.15,out=0.6',
        'boundkit llm conversations.jsonl --template judge.md --model gpt-4o-mini --key id --json-answer --out judged.jsonl',
        'boundkit llm requests.jsonl --base-url http://127.0.0.1:8000/v1 --out results.jsonl --resume --retry-failed',
        'boundkit llm requests.jsonl --out results.jsonl --rpm 500 --redis "$REDIS_URL"   # workers: boundkit worker --redis "$REDIS_URL" --api-key-env OPENAI_API_KEY',
      ) +
        "\n\nWith --redis, workers make the requests with their own API key (--api-key-env and --azure are the\nworker's, never sent through Redis); --rpm and --tpm hold for the whole cluster (the\nworkers share one token window in Redis, corrected by each answer's usage).",
    )
    .action(async (input: string, options, command: Command) => {
      const { runLlm } = await import('./commands/llm/run')
      hooks.exit(await runLlm(input, { ...options, given: given(command) }))
    })

  program
    .command('worker')
    .description(
      'Take the jobs of a queue in Redis (from batch --redis, llm --redis or any boundkit producer) and run them, until SIGTERM or Ctrl-C.',
    )
    .requiredOption(
      '--redis <url>',
      'the Redis URL (redis://, rediss:// for TLS); its password is never printed',
    )
    .option('--queue <name>', "the queue's name, the producer's --queue", DEFAULT_QUEUE)
    .option('--concurrency <n>', 'jobs (requests) this worker runs at once', '8')
    .option('--timeout <ms>', 'timeout of one request (500, 2s, 1min)', '10min')
    .option(
      '--lock-duration <ms>',
      "how long a job's lock lasts without renewal: a killed worker's jobs run elsewhere after about this long",
      '30s',
    )
    .option(
      '--close-timeout <ms>',
      'the grace period after SIGTERM or Ctrl-C: how long the running jobs may take to finish and be recorded in Redis, whatever Redis does',
      '20s',
    )
    .option(
      '--header <K: V>',
      'add a header to every request of this worker (repeatable; secrets belong here)',
      collect,
    )
    .option(
      '--api-key-env <name>',
      'the environment variable holding an API key, sent as Authorization: Bearer (never put in Redis)',
    )
    .option('--azure', "with --api-key-env: send the key as Azure's api-key header")
    .option(
      '--name <name>',
      "this worker's name in the producer's --dashboard and --report, its share of the outcomes (default: host:pid)",
    )
    .option('--json', 'print the final summary as JSON on stdout')
    .addHelpText(
      'after',
      `${examples(
        'boundkit worker --redis redis://127.0.0.1:6379 --concurrency 16',
        'OPENAI_API_KEY=sk-... boundkit worker --redis "$REDIS_URL" --api-key-env OPENAI_API_KEY --concurrency 32',
        'boundkit worker --redis "rediss://default:$PASS@cache.example.com:6380" --header "Authorization: Bearer $TOKEN"',
      )}\n\nWhat to do travels with the jobs (URL, method, body, non-secret headers, attempts, the cluster's rate);\nsecrets do not: this worker adds its --header and --api-key-env to every request. SIGTERM or Ctrl-C:\nno new jobs, the running ones finish, then it exits (0 after SIGTERM, 130 after Ctrl-C), within\n--close-timeout whether Redis is up or down; jobs still running then (or at a second signal, which\nexits at once) run elsewhere once their lock expires. Anyone who can write to the Redis can make a\nworker send its secrets to any URL: keep Redis private (a password, TLS, a private network).`,
    )
    .action(async (options) => {
      const { runWorker } = await import('./queue/run-worker')
      hooks.exit(await runWorker(options))
    })

  program
    .command('classify')
    .description('Measure a command or an exported function and say which concurrency model fits, and why.')
    .usage('[options] -- <command ...>  |  [options] <module>#<export>')
    .argument('[target...]', 'a command after --, or <module>#<export>')
    .option('--arg <json>', 'module mode: the JSON value passed to the function')
    .option('--runs <n>', 'measured runs after a warm-up', '3')
    .option('--time-budget <ms>', 'total time the measurement may take (500, 2s, 1min)', '10s')
    .option('--max-concurrency <n>', 'highest concurrency the probe tries', '8')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      examples(
        'boundkit classify -- node -e "for (let i = 0; i < 3e8; i++);"',
        'boundkit classify -- curl -s https://example.com',
        'boundkit classify ./tasks.mjs#resize --arg \'{"width": 256}\' --json',
      ),
    )
    .action(async (target: string[], options, command: Command) => {
      const { runClassify } = await import('./commands/classify/run')
      const raw = (command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? process.argv
      const dashDash = raw.includes('--')
      hooks.exit(await runClassify(target, options, dashDash))
    })

  return program
}
