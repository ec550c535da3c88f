import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { CLIENT_SCRIPT } from './client-script'
import type { RunMonitor, Sample, View } from './monitor'

/**
 * The page of a run, live (its data from `events`) or as a report (its data and the chart library
 * inlined: one file that opens offline). Charts are uPlot's, served from the installed package.
 */

let assets: Promise<{ js: string; css: string }> | undefined

/** uPlot's script and style, read once from the installed `uplot` package. */
export function uplotAssets(): Promise<{ js: string; css: string }> {
  assets ??= (async () => {
    const require = createRequire(import.meta.url)
    const [js, css] = await Promise.all([
      readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    ])
    return { js, css }
  })()
  return assets
}

/** Text that is safe inside a `<script>` element (no `</script>`, no HTML comment). */
function inScript(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--')
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#1b1b1b;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 6px}
#status{font-size:13px;font-weight:normal;color:#666;margin-left:8px}
#status.live::before{content:'\\25CF  ';color:#1a8f1a}#status.lost::before{content:'\\25CF  ';color:#c22}
#phase{font-size:14px;font-weight:normal;color:#1f6fd1;margin-left:8px}
#detail{color:#555;margin:0 0 4px;font-size:13px}
#command{font:12px/1.4 ui-monospace,monospace;color:#333;margin:0 0 12px;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:8px}
.card{border:1px solid #ddd;border-radius:6px;padding:6px 10px;color:#555;font-size:12px}
.card b{display:block;font-size:20px;color:#1b1b1b;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px;margin-top:16px}
[hidden]{display:none!important}
.legend-note{font-size:12px;color:#666}
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #eee;padding:4px 10px;text-align:left;vertical-align:top}
`

const BODY = `
<h1>boundkit <span id="label"></span><span id="phase"></span><span id="status"></span></h1>
<p id="detail"></p>
<p id="command" hidden></p>
<div class="cards">
<div class="card">done<b id="done">0</b></div><div class="card">failed<b id="failed">0</b></div>
<div class="card">in flight<b id="inFlight">0</b></div><div class="card">queued<b id="queued">0</b></div>
<div class="card" id="left-card">left<b id="left">0</b></div><div class="card">rate now<b id="rateNow">0</b></div>
<div class="card">rate average<b id="rateAverage">0</b></div><div class="card" id="eta-card">ETA<b id="eta">&ndash;</b></div>
<div class="card">elapsed<b id="elapsed">0</b></div><div class="card">concurrency<b id="concurrency">&ndash;</b></div>
<div class="card">requests<b id="requests">0</b></div><div class="card">retries<b id="retries">0</b></div>
<div class="card">429s<b id="rateLimited">0</b></div><div class="card">cooldowns<b id="cooldowns">0</b></div>
<div class="card" id="tokens-card" hidden>tokens / min<b id="tokensPerMinute">0</b></div>
<div class="card" id="cost-card" hidden>cost<b id="cost">&ndash;</b></div>
<div class="card" id="unwritten-card" hidden>received, not yet written<b id="unwritten">0</b></div>
</div>
<p class="legend-note" id="retry-reasons" hidden></p>
<div class="cards" id="pool-cards" hidden>
<div class="card">threads busy<b id="poolBusy">0</b></div><div class="card">pool queue<b id="poolQueued">0</b></div>
<div class="card">utilization<b id="poolUtilization">0</b></div><div class="card">tasks done<b id="poolCompleted">0</b></div>
<div class="card">tasks failed<b id="poolFailed">0</b></div><div class="card">run time p50 / p99<b id="poolRun">&ndash;</b></div>
</div>
<div class="cards" id="pipeline-cards" hidden>
<div class="card">fetching<b id="stageFetching">0</b></div><div class="card">buffered<b id="stageBuffered">0</b></div>
<div class="card">processing<b id="stageProcessing">0</b></div><div class="card">fetched<b id="stageFetched">0</b></div>
<div class="card">stages overlapped<b id="stageOverlap">0</b></div><div class="card">most buffered<b id="stageMaxBuffered">0</b></div>
</div>
<p class="legend-note">On the charts: a red line marks a second with new 429 answers, an orange band a Retry-After cooldown.</p>
<div class="charts"><div id="chart-rate"></div><div id="chart-concurrency"></div><div id="chart-windows" hidden></div><div id="chart-latency"></div>
<div id="chart-tokens" hidden></div><div id="chart-pool" hidden></div><div id="chart-stages" hidden></div></div>
<section id="workers-section" hidden><h2>Workers (each one's state now, and its share of the outcomes)</h2>
<table id="workers"><thead><tr><th>worker</th><th>in flight</th><th>done</th><th>failed</th><th>429s</th><th>concurrency</th><th>limiter</th><th>share</th></tr></thead><tbody></tbody></table></section>
<section id="endpoints-section" hidden><h2>Endpoints (each one's requests, tokens, 429s and cost)</h2>
<table id="endpoints"><thead><tr><th>endpoint</th><th>requests</th><th>tokens</th><th>429s</th><th>cost</th><th>drains</th><th>refused</th><th>state</th></tr></thead><tbody></tbody></table></section>
<h2>Latency (every finished item)</h2><p id="latency">&ndash;</p>
<h2>Errors by code</h2><table id="errors"><thead><tr><th>code</th><th>failed</th><th>retried</th><th>first message</th></tr></thead><tbody></tbody></table>
`

/** The page: live (`events`), or a report with `data` and `uplot` inlined. */
export function pageHtml(
  options:
    | { live: true }
    | { live: false; data: { samples: Sample[]; view: View }; uplot: { js: string; css: string } },
): string {
  const title = options.live ? 'boundkit: live run' : `boundkit ${escapeHtml(options.data.view.label)} report`
  const head = options.live
    ? '<link rel="stylesheet" href="assets/uplot.css"><script src="assets/uplot.js"></script>'
    : `<style>${options.uplot.css}</style><script>${inScript(options.uplot.js)}</script>`
  const data = options.live ? 'null' : inScript(JSON.stringify(options.data))
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${title}</title><link rel="icon" href="data:,">${head}<style>${STYLE}</style></head><body>${BODY}` +
    `<script>window.__BOUNDKIT_REPORT__=${data};</script><script>${inScript(CLIENT_SCRIPT)}</script></body></html>`
  )
}

/** The final state of `monitor` as one self-contained HTML file (data and charts inlined). */
export async function reportHtml(monitor: RunMonitor): Promise<string> {
  return pageHtml({
    live: false,
    data: { samples: monitor.samples(), view: monitor.view() },
    uplot: await uplotAssets(),
  })
}
