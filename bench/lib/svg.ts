/** A hand-written two-panel SVG: throughput over time, and the event-to-delivery latency distribution. */

export interface Series {
  label: string;
  color: string;
  /** Values per second since the start of the run. */
  perSecond: number[];
}

export interface ChartInput {
  title: string;
  subtitle: string;
  series: Series[];
  /** Horizontal reference lines (e.g. the Temporal no-op ceiling). */
  references: Array<{ label: string; color: string; value: number }>;
  latenciesMs: number[];
  marks: Array<{ label: string; value: number }>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function axis(
  x: number,
  y: number,
  w: number,
  h: number,
  xMax: number,
  yMax: number,
  xLabel: string,
  yLabel: string,
) {
  const out: string[] = [];
  out.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#fff" stroke="#999"/>`);
  for (let i = 0; i <= 5; i++) {
    const yy = y + h - (i * h) / 5;
    const v = (yMax * i) / 5;
    out.push(`<line x1="${x}" x2="${x + w}" y1="${yy}" y2="${yy}" stroke="#eee"/>`);
    out.push(`<text x="${x - 6}" y="${yy + 4}" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const xx = x + (i * w) / 5;
    const v = (xMax * i) / 5;
    out.push(`<text x="${xx}" y="${y + h + 16}" text-anchor="middle">${Number(v.toPrecision(3))}</text>`);
  }
  out.push(`<text x="${x + w / 2}" y="${y + h + 34}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(
    `<text transform="translate(${x - 46} ${y + h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  return out.join('\n');
}

export function renderChart(c: ChartInput): string {
  const W = 960;
  const H = 720;
  const px = 80;
  const pw = W - px - 40;
  const ph = 230;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fafafa"/>`,
    `<text x="${px}" y="28" font-size="18" font-weight="bold">${esc(c.title)}</text>`,
    `<text x="${px}" y="48" fill="#555">${esc(c.subtitle)}</text>`,
  ];

  // Panel 1: throughput over time.
  const y1 = 80;
  const seconds = Math.max(1, ...c.series.map((s) => s.perSecond.length));
  const yMax1 = niceMax(
    Math.max(1, ...c.series.flatMap((s) => s.perSecond), ...c.references.map((r) => r.value)),
  );
  out.push(`<text x="${px}" y="${y1 - 10}" font-weight="bold">Throughput over time (per second)</text>`);
  out.push(axis(px, y1, pw, ph, seconds, yMax1, 'seconds since the first event', 'per second'));
  const sx = (i: number) => px + ((i + 0.5) * pw) / seconds;
  const sy = (v: number) => y1 + ph - (v / yMax1) * ph;
  for (const r of c.references) {
    out.push(
      `<line x1="${px}" x2="${px + pw}" y1="${sy(r.value)}" y2="${sy(r.value)}" stroke="${r.color}" stroke-dasharray="6 4"/>`,
      `<text x="${px + pw - 4}" y="${sy(r.value) - 4}" text-anchor="end" fill="${r.color}">${esc(r.label)}</text>`,
    );
  }
  c.series.forEach((s, k) => {
    const pts = s.perSecond.map((v, i) => `${sx(i).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
    out.push(
      `<rect x="${px + 10}" y="${y1 + 10 + k * 18}" width="12" height="12" fill="${s.color}"/>`,
      `<text x="${px + 28}" y="${y1 + 20 + k * 18}">${esc(s.label)}</text>`,
    );
  });

  // Panel 2: latency histogram (40 bins up to the p99 × 1.25; the rest in a last "over" bin).
  const y2 = y1 + ph + 110;
  const lat = c.latenciesMs;
  const sorted = [...lat].sort((a, b) => a - b);
  const p99 = sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 1;
  const top = niceMax(Math.max(1, p99 * 1.25));
  const bins = 40;
  const counts = new Array<number>(bins + 1).fill(0);
  for (const v of lat) counts[v >= top ? bins : Math.floor((v / top) * bins)]!++;
  const yMax2 = niceMax(Math.max(1, ...counts));
  out.push(
    `<text x="${px}" y="${y2 - 10}" font-weight="bold">Event-to-delivery latency (ms), ${lat.length} deliveries</text>`,
  );
  out.push(
    axis(
      px,
      y2,
      pw,
      ph,
      top,
      yMax2,
      `latency (ms); the last bar is everything above ${top} ms`,
      'deliveries',
    ),
  );
  const bw = pw / (bins + 1);
  counts.forEach((n, i) => {
    const h = (n / yMax2) * ph;
    const fill = i === bins ? '#c0392b' : '#2e86de';
    out.push(
      `<rect x="${(px + i * bw + 1).toFixed(1)}" y="${(y2 + ph - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"/>`,
    );
  });
  c.marks.forEach((m, k) => {
    if (!(m.value < top)) return;
    const xx = px + (m.value / top) * (pw - bw);
    out.push(
      `<line x1="${xx}" x2="${xx}" y1="${y2}" y2="${y2 + ph}" stroke="#333" stroke-dasharray="3 3"/>`,
      `<text x="${xx + 3}" y="${y2 + 14 + k * 14}">${esc(m.label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
