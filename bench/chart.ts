/**
 * Each benchmark table as a chart beside its Markdown: one horizontal bar per case, the throughput
 * (items/s, longer is better) when the cases report items, else the median time (shorter is better),
 * each bar labelled with its figure and its ratio to the baseline. Plain SVG, no script: it shows
 * on GitHub and in any browser.
 */
import type { Benchmark, CaseSummary } from './harness.ts'

const WIDTH = 760
const LABEL_WIDTH = 300
const BAR_HEIGHT = 22
const GAP = 8
const TOP = 48
const COLORS = { bar: '#4a7fd1', baseline: '#9aa4b2', text: '#1b1b1b', muted: '#5b6470' }

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function short(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`
}

function figure(value: number): string {
  if (value >= 1000) return Math.round(value).toLocaleString('en-US')
  return value >= 10 ? value.toFixed(1) : value.toFixed(2)
}

export function chartSvg(definition: Benchmark, summaries: CaseSummary[]): string {
  const byItems = summaries.every((s) => s.itemsPerSec !== undefined)
  const value = (s: CaseSummary) => (byItems ? (s.itemsPerSec as number) : s.medianMs)
  const ratio = (s: CaseSummary) => (byItems ? s.throughputRatio : s.ratio)
  const max = Math.max(...summaries.map(value), 1e-9)
  const plot = WIDTH - LABEL_WIDTH - 150
  const height = TOP + summaries.length * (BAR_HEIGHT + GAP) + 24
  const unit = byItems ? 'items/s (longer is better)' : 'median ms (shorter is better)'
  const rows = summaries.map((s, i) => {
    const y = TOP + i * (BAR_HEIGHT + GAP)
    const w = Math.max(1, (value(s) / max) * plot)
    const r = ratio(s)
    const label = `${figure(value(s))}${r === undefined ? '' : `  (${r.toFixed(2)}x)`}`
    const fill = s.name === definition.baseline ? COLORS.baseline : COLORS.bar
    return (
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end" fill="${COLORS.text}">${escapeXml(short(s.name, 44))}</text>` +
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" rx="3" fill="${fill}"/>` +
      `<text x="${(LABEL_WIDTH + w + 6).toFixed(1)}" y="${y + 15}" fill="${COLORS.muted}">${escapeXml(label)}</text>`
    )
  })
  const baseline = definition.baseline ? `; ratios to ${short(definition.baseline, 40)} (grey)` : ''
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" font-size="14" font-weight="600" fill="${COLORS.text}">${escapeXml(short(definition.title.replace(/`/g, ''), 100))}</text>`,
    `<text x="12" y="38" fill="${COLORS.muted}">${escapeXml(unit + baseline)}</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n')
}
