// A tiny SVG chart writer for bench results (no dependency): horizontal box plots of samples
// and horizontal bar charts of single values. Output is a standalone SVG document string.

const W = 720;
const LABEL_W = 230;
const ROW_H = 34;
const TOP = 46;
const BOTTOM = 40;
const PLOT_W = W - LABEL_W - 30;
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948'];

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** The q-quantile (0..1) of sorted numbers, linear interpolation. */
export function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** A "nice" upper bound for an axis (1, 2, 5 x 10^n). */
function niceMax(x) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function frame(title, rows, max, unit, body) {
  const h = TOP + rows * ROW_H + BOTTOM;
  const x = (v) => LABEL_W + (v / max) * PLOT_W;
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="12">\n`;
  s += `<rect width="${W}" height="${h}" fill="white"/>\n<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>\n`;
  for (let i = 0; i <= 5; i++) {
    const v = (max * i) / 5;
    s += `<line x1="${x(v)}" y1="${TOP - 6}" x2="${x(v)}" y2="${TOP + rows * ROW_H}" stroke="#ddd"/>`;
    s += `<text x="${x(v)}" y="${TOP + rows * ROW_H + 16}" text-anchor="middle" fill="#555">${+v.toPrecision(3)}</text>\n`;
  }
  s += `<text x="${LABEL_W + PLOT_W / 2}" y="${TOP + rows * ROW_H + 34}" text-anchor="middle" fill="#333">${esc(unit)}</text>\n`;
  s += body(x);
  return s + '</svg>\n';
}

/** Box plots: groups = [{label, values: number[]}]; whiskers at min/max, box p25..p75, median line, p99 tick. */
export function boxPlot({ title, unit, groups }) {
  const clean = groups.map((g) => ({ label: g.label, v: g.values.filter(Number.isFinite).sort((a, b) => a - b) }));
  const max = niceMax(Math.max(0, ...clean.flatMap((g) => g.v)));
  return frame(title, clean.length, max, unit, (x) => {
    let s = '';
    clean.forEach((g, i) => {
      const y = TOP + i * ROW_H;
      const mid = y + ROW_H / 2;
      const c = COLORS[i % COLORS.length];
      s += `<text x="${LABEL_W - 8}" y="${mid + 4}" text-anchor="end">${esc(g.label)} (n=${g.v.length})</text>`;
      if (!g.v.length) { s += `<text x="${LABEL_W + 4}" y="${mid + 4}" fill="#999">no data</text>\n`; return; }
      const [mn, q1, md, q3, p99, mx] = [0, 0.25, 0.5, 0.75, 0.99, 1].map((q) => quantile(g.v, q));
      s += `<line x1="${x(mn)}" y1="${mid}" x2="${x(mx)}" y2="${mid}" stroke="${c}"/>`;
      s += `<line x1="${x(mn)}" y1="${mid - 7}" x2="${x(mn)}" y2="${mid + 7}" stroke="${c}"/><line x1="${x(mx)}" y1="${mid - 7}" x2="${x(mx)}" y2="${mid + 7}" stroke="${c}"/>`;
      s += `<rect x="${x(q1)}" y="${y + 7}" width="${Math.max(1, x(q3) - x(q1))}" height="${ROW_H - 14}" fill="${c}" fill-opacity="0.35" stroke="${c}"/>`;
      s += `<line x1="${x(md)}" y1="${y + 5}" x2="${x(md)}" y2="${y + ROW_H - 5}" stroke="black" stroke-width="2"/>`;
      s += `<path d="M${x(p99)} ${y + 4} l-4 -4 h8 z" fill="#c00"><title>p99 ${p99.toFixed(3)}</title></path>\n`;
    });
    return s;
  });
}

/** Bars: groups = [{label, value}]. */
export function barChart({ title, unit, groups }) {
  const max = niceMax(Math.max(0, ...groups.map((g) => (Number.isFinite(g.value) ? g.value : 0))));
  return frame(title, groups.length, max, unit, (x) => {
    let s = '';
    groups.forEach((g, i) => {
      const y = TOP + i * ROW_H;
      const c = COLORS[i % COLORS.length];
      s += `<text x="${LABEL_W - 8}" y="${y + ROW_H / 2 + 4}" text-anchor="end">${esc(g.label)}</text>`;
      if (!Number.isFinite(g.value)) { s += `<text x="${LABEL_W + 4}" y="${y + ROW_H / 2 + 4}" fill="#999">n/a</text>\n`; return; }
      s += `<rect x="${LABEL_W}" y="${y + 6}" width="${Math.max(1, x(g.value) - LABEL_W)}" height="${ROW_H - 12}" fill="${c}"/>`;
      s += `<text x="${x(g.value) + 4}" y="${y + ROW_H / 2 + 4}">${+g.value.toPrecision(4)}</text>\n`;
    });
    return s;
  });
}
