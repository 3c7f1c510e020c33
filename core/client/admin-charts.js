// The console's charts: each `.chart[data-chart]` drawn with uPlot (served from /static/uplot/), as wide as its
// tile and redrawn when the tile changes size. Without this script each tile still shows its figures and a table.
(() => {
  if (window.hearthAdminCharts || !window.uPlot) return
  window.hearthAdminCharts = true
  const css = getComputedStyle(document.documentElement)
  const accent = css.getPropertyValue('--accent').trim() || '#c2410c'
  const muted = css.getPropertyValue('--muted').trim() || '#6b625a'
  const border = css.getPropertyValue('--border').trim() || '#e4ddd3'
  const palette = [accent, '#2563eb', '#16a34a', '#9333ea', '#ca8a04']
  const bytes = (v) => {
    if (v == null) return ''
    const units = ['B', 'KB', 'MB', 'GB', 'TB']
    let i = 0
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
      v /= 1024
      i++
    }
    return `${Math.round(v * 10) / 10} ${units[i]}`
  }
  const number = (v) => (v == null ? '' : new Intl.NumberFormat(undefined, { notation: Math.abs(v) >= 10000 ? 'compact' : 'standard' }).format(v))

  // A ratio is stored times 100 (`hundredths`); a percent is a whole number.
  const FORMATS = { bytes, percent: (v) => (v == null ? '' : `${Math.round(v)} %`), hundredths: (v) => (v == null ? '' : (v / 100).toFixed(2)) }

  function draw(el) {
    const spec = JSON.parse(el.dataset.chart)
    const format = FORMATS[spec.series[0]?.unit] ?? number
    const width = Math.max(200, el.clientWidth)
    const axis = { stroke: muted, grid: { stroke: border, width: 1 }, ticks: { stroke: border, width: 1 } }
    const options = {
      width,
      height: 180,
      legend: { show: spec.series.length > 1 },
      cursor: { points: { size: 6 } },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [axis, { ...axis, size: 56, values: (_u, ticks) => ticks.map(format) }],
      series: [{}, ...spec.series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 2, fill: i === 0 ? `${palette[0]}22` : undefined, value: (_u, v) => format(v), spanGaps: true }))],
    }
    el.textContent = ''
    const plot = new window.uPlot(options, [spec.x, ...spec.series.map((s) => s.values)], el)
    el.dataset.drawn = 'true'
    new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth)
      if (w !== plot.width) plot.setSize({ width: w, height: 180 })
    }).observe(el)
  }

  const start = () => document.querySelectorAll('.chart[data-chart]').forEach(draw)
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
