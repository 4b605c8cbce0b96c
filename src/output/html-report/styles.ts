/** The report's own styles; states use the same colours as the terminal (green, yellow, red, magenta). */
export const PAGE_CSS = `
:root {
  --fg: #1d2330; --muted: #5b6475; --line: #dde1e8; --bg: #ffffff; --panel: #f6f7f9;
  --ok: #1a7f37; --ok-bg: #dff3e4; --warning: #9a6700; --warning-bg: #fff4cc;
  --critical: #b42318; --critical-bg: #fde2e0; --unknown: #8a3ffc; --unknown-bg: #efe6ff;
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); }
h2 { font-size: 19px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); display: flex; align-items: center; gap: 10px; }
h3 { font-size: 15px; margin: 22px 0 8px; display: flex; align-items: center; gap: 8px; }
nav { margin: 16px 0 0; display: flex; flex-wrap: wrap; gap: 8px; }
nav a { text-decoration: none; color: var(--fg); border: 1px solid var(--line); border-radius: 999px; padding: 3px 10px 3px 4px; display: inline-flex; gap: 6px; align-items: center; background: var(--panel); }
.note { background: var(--panel); border-left: 3px solid var(--muted); padding: 8px 12px; margin: 12px 0; color: var(--muted); }
.meta { color: var(--muted); font-size: 12.5px; margin: 4px 0 0; }
table { border-collapse: collapse; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 5px 9px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; }
.scroll { overflow-x: auto; }
.badge { display: inline-block; font-size: 11.5px; font-weight: 700; letter-spacing: .02em; border-radius: 4px; padding: 1px 7px; border: 1px solid transparent; white-space: nowrap; }
.s-OK { color: var(--ok); background: var(--ok-bg); border-color: #b6e3c2; }
.s-WARNING { color: var(--warning); background: var(--warning-bg); border-color: #f0d98a; }
.s-CRITICAL { color: var(--critical); background: var(--critical-bg); border-color: #f5b5af; }
.s-UNKNOWN { color: var(--unknown); background: var(--unknown-bg); border-color: #d5c2ff; }
table.matrix td.cell { min-width: 150px; border-left-width: 4px; }
table.matrix td.cell.s-OK { border-left-color: var(--ok); }
table.matrix td.cell.s-WARNING { border-left-color: var(--warning); }
table.matrix td.cell.s-CRITICAL { border-left-color: var(--critical); }
table.matrix td.cell.s-UNKNOWN { border-left-color: var(--unknown); }
table.matrix td.cell div { white-space: nowrap; color: var(--fg); }
table.matrix td.cell b { font-weight: 600; }
table.matrix td.empty { color: var(--muted); text-align: center; background: var(--panel); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 16px; margin-bottom: 14px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px 10px 4px; min-width: 0; }
figcaption { font-weight: 600; margin-bottom: 6px; }
.chart { width: 100%; min-height: 220px; }
.no-js .chart { display: none; }
.no-js figure { display: none; }
.u-legend { font-size: 12.5px; }
div.path-figure { border: 1px solid var(--line); border-radius: 6px; padding: 6px; margin: 6px 0 10px; }
svg.path-picture { display: block; width: 100%; max-width: 1100px; min-width: 560px; height: auto; }
svg.path-picture text { fill: var(--fg); }
svg.path-picture text.fault-label, svg.path-picture text.hop-note { font-weight: 700; }
svg.path-picture .fault text { fill: var(--critical); }
svg.path-picture .legend text { fill: var(--muted); }
table.hops td.lossy { background: var(--warning-bg); }
table.hops td.fault { background: var(--critical-bg); font-weight: 600; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
footer details pre { white-space: pre-wrap; font-size: 11px; }
`
