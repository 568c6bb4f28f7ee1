// Runs anywhere (sharp only, no model). The picture of a verification run (facekit eval pairs --plot):
// the ROC on the left, the same-person and different-person distance histograms on the right, drawn as
// SVG and rasterised to PNG by sharp (librsvg) — no charting dependency.
import sharp from 'sharp';
import type { RocPoint } from './verification-metrics.ts';

export interface PlotInput {
  /** What was measured, for the title (e.g. the pairs file's name). */
  name: string;
  threshold: number;
  accuracy: number;
  pairs: number;
  samePairs: number;
  differentPairs: number;
  undetectedPairs: number;
  bestThreshold: { threshold: number; accuracy: number } | null;
  crossValidated: { folds: number; accuracy: number; std: number };
  farFrr: { far: number; frr: number };
  roc: RocPoint[];
  results: { distance: number | null; same: boolean }[];
}

export const PLOT_WIDTH = 1400;
export const PLOT_HEIGHT = 640;

const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
const SAME_COLOUR = '#1f77b4';
const DIFFERENT_COLOUR = '#ff7f0e';
const THRESHOLD_COLOUR = '#d62728';
const BEST_COLOUR = '#555555';
const GRID = '#e3e3e3';

interface Panel {
  left: number;
  top: number;
  width: number;
  height: number;
}

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;
const f = (x: number) => (Math.round(x * 100) / 100).toString();

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${f(x)}" y="${f(y)}" font-family="${FONT}" ${attrs}>${escapeXml(content)}</text>`;
}

/** A percentage tick label that stays short: 0.1 %, 1 %, 10 %, 100 %. */
function farLabel(far: number): string {
  const p = far * 100;
  return `${p >= 1 ? p.toFixed(0) : Number(p.toPrecision(1)).toString()} %`;
}

/** The frame, the grid lines and tick labels, the axis titles. */
function axes(
  panel: Panel,
  xTicks: { at: number; label: string }[],
  yTicks: { at: number; label: string }[],
  xTitle: string,
  yTitle: string,
): string {
  const { left, top, width, height } = panel;
  const bottom = top + height;
  const parts: string[] = [];
  for (const t of xTicks) {
    const x = left + t.at * width;
    parts.push(`<line x1="${f(x)}" y1="${top}" x2="${f(x)}" y2="${bottom}" stroke="${GRID}"/>`);
    parts.push(`<line x1="${f(x)}" y1="${bottom}" x2="${f(x)}" y2="${bottom + 6}" stroke="#333"/>`);
    parts.push(text(x, bottom + 24, t.label, 'font-size="15" text-anchor="middle" fill="#333"'));
  }
  for (const t of yTicks) {
    const y = bottom - t.at * height;
    parts.push(`<line x1="${left}" y1="${f(y)}" x2="${left + width}" y2="${f(y)}" stroke="${GRID}"/>`);
    parts.push(`<line x1="${left - 6}" y1="${f(y)}" x2="${left}" y2="${f(y)}" stroke="#333"/>`);
    parts.push(text(left - 10, y + 5, t.label, 'font-size="15" text-anchor="end" fill="#333"'));
  }
  parts.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#333"/>`);
  parts.push(text(left + width / 2, bottom + 52, xTitle, 'font-size="17" text-anchor="middle" fill="#111"'));
  const yx = left - 68;
  const yy = top + height / 2;
  parts.push(text(yx, yy, yTitle, `font-size="17" text-anchor="middle" fill="#111" transform="rotate(-90 ${f(yx)} ${f(yy)})"`));
  return parts.join('\n');
}

/** A legend box in the panel's corner: a swatch (line or filled square) and a label per entry. */
function legend(
  panel: Panel,
  entries: { label: string; colour: string; kind: 'line' | 'dashed' | 'dotted' | 'box' | 'dot' }[],
  corner: 'bottom-right' | 'top-right',
): string {
  const rowHeight = 24;
  const width = Math.max(...entries.map((e) => e.label.length)) * 8.6 + 56;
  const height = entries.length * rowHeight + 12;
  const x = panel.left + panel.width - width - 12;
  const y = corner === 'top-right' ? panel.top + 12 : panel.top + panel.height - height - 12;
  const parts = [`<rect x="${f(x)}" y="${f(y)}" width="${f(width)}" height="${height}" fill="white" fill-opacity="0.92" stroke="#bbb"/>`];
  for (const [i, e] of entries.entries()) {
    const cy = y + 6 + rowHeight * i + rowHeight / 2;
    const sx = x + 12;
    if (e.kind === 'box')
      parts.push(
        `<rect x="${f(sx)}" y="${f(cy - 7)}" width="26" height="14" fill="${e.colour}" fill-opacity="0.55" stroke="${e.colour}"/>`,
      );
    else if (e.kind === 'dot') parts.push(`<circle cx="${f(sx + 13)}" cy="${f(cy)}" r="6" fill="${e.colour}" stroke="white"/>`);
    else {
      const dash = e.kind === 'dashed' ? ' stroke-dasharray="7 5"' : e.kind === 'dotted' ? ' stroke-dasharray="2 4"' : '';
      parts.push(`<line x1="${f(sx)}" y1="${f(cy)}" x2="${f(sx + 26)}" y2="${f(cy)}" stroke="${e.colour}" stroke-width="3"${dash}/>`);
    }
    parts.push(text(sx + 36, cy + 5, e.label, 'font-size="15" fill="#111"'));
  }
  return parts.join('\n');
}

/**
 * The ROC: TAR against FAR, FAR on a log axis from 1/N (N different-person pairs: the smallest FAR
 * above zero there can be) to 1; points at FAR 0 sit on the left edge. TAR runs from the nearest
 * 10 % under its value at FAR = 1/N (at most 90 %) to 100 %, so a good model's curve is not a line
 * along the top.
 */
function rocPanel(input: PlotInput, panel: Panel): string {
  const minFar = 1 / Math.max(2, input.differentPairs);
  const logMin = Math.log10(minFar);
  const xOf = (far: number) => (Math.log10(Math.max(minFar, far)) - logMin) / -logMin;
  const tarAtLeft = Math.max(0, ...input.roc.filter((p) => p.far <= minFar).map((p) => p.tar));
  const tarMin = Math.min(0.9, Math.floor(tarAtLeft * 10) / 10);
  const yOf = (tar: number) => (tar - tarMin) / (1 - tarMin);
  const px = (far: number) => panel.left + xOf(far) * panel.width;
  const py = (tar: number) => panel.top + panel.height - yOf(tar) * panel.height;

  const xTicks: { at: number; label: string }[] = [];
  for (let k = Math.ceil(logMin); k <= 0; k++) xTicks.push({ at: xOf(10 ** k), label: farLabel(10 ** k) });
  if (xOf(10 ** Math.ceil(logMin)) > 0.08) xTicks.unshift({ at: 0, label: `1/${input.differentPairs}` });
  const yStep = 1 - tarMin > 0.5 ? 0.1 : 1 - tarMin > 0.2 ? 0.05 : 0.02;
  const yTicks: { at: number; label: string }[] = [];
  for (let tar = tarMin; tar <= 1 + 1e-9; tar += yStep) yTicks.push({ at: yOf(tar), label: pct(tar, yStep < 0.05 ? 0 : 0) });

  // Steps: FAR grows at a constant TAR, then TAR grows at the new FAR (the curve as thresholds sweep).
  const path: string[] = [];
  let previous: RocPoint | undefined;
  for (const p of input.roc) {
    if (!previous) path.push(`M${f(px(p.far))},${f(py(p.tar))}`);
    else path.push(`L${f(px(p.far))},${f(py(previous.tar))}`, `L${f(px(p.far))},${f(py(p.tar))}`);
    previous = p;
  }
  const clip = `<clipPath id="roc-clip"><rect x="${panel.left}" y="${panel.top}" width="${panel.width}" height="${panel.height}"/></clipPath>`;
  const tar = 1 - input.farFrr.frr;
  const opX = px(input.farFrr.far);
  const opY = py(Math.max(tarMin, tar));
  const opLabel = `threshold ${input.threshold}: TAR ${pct(tar)}, FAR ${pct(input.farFrr.far, 2)}`;
  const labelLeft = opX > panel.left + panel.width * 0.55;
  return [
    axes(panel, xTicks, yTicks, 'false accept rate (FAR, log scale)', `true accept rate (TAR, from ${pct(tarMin, 0)})`),
    text(panel.left, panel.top - 14, 'ROC', 'font-size="19" font-weight="bold" fill="#111"'),
    `<defs>${clip}</defs>`,
    `<path d="${path.join(' ')}" fill="none" stroke="${SAME_COLOUR}" stroke-width="2.5" clip-path="url(#roc-clip)"/>`,
    `<circle cx="${f(opX)}" cy="${f(opY)}" r="6" fill="${THRESHOLD_COLOUR}" stroke="white" stroke-width="1.5"/>`,
    text(
      labelLeft ? opX - 12 : opX + 12,
      opY + 22,
      opLabel,
      `font-size="14" fill="${THRESHOLD_COLOUR}" text-anchor="${labelLeft ? 'end' : 'start'}"`,
    ),
    legend(
      panel,
      [
        { label: 'ROC (all thresholds)', colour: SAME_COLOUR, kind: 'line' },
        { label: `threshold in use (${input.threshold})`, colour: THRESHOLD_COLOUR, kind: 'dot' },
      ],
      'bottom-right',
    ),
  ].join('\n');
}

/** Histograms of the distances, each group as a share of its own pairs, and the threshold(s) as vertical lines. */
function histogramPanel(input: PlotInput, panel: Panel): string {
  const measured = input.results.filter((r): r is { distance: number; same: boolean } => r.distance !== null);
  const maxDistance = Math.max(1, ...measured.map((r) => r.distance), input.threshold);
  const xMax = Math.ceil(maxDistance * 10) / 10;
  const binWidth = 0.025;
  const bins = Math.ceil(xMax / binWidth);
  const histogram = (same: boolean) => {
    const group = measured.filter((r) => r.same === same);
    const counts = new Array<number>(bins).fill(0);
    for (const r of group) {
      const bin = Math.min(bins - 1, Math.floor(r.distance / binWidth));
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return counts.map((c) => (group.length ? c / group.length : 0));
  };
  const sameShares = histogram(true);
  const differentShares = histogram(false);
  const top = Math.max(0.05, ...sameShares, ...differentShares);
  const yStep = top > 0.5 ? 0.1 : top > 0.2 ? 0.05 : top > 0.1 ? 0.02 : 0.01;
  const yMax = Math.ceil((top * 1.45) / yStep) * yStep; // headroom for the legend
  const px = (d: number) => panel.left + (d / xMax) * panel.width;
  const py = (share: number) => panel.top + panel.height - (share / yMax) * panel.height;

  const xTicks: { at: number; label: string }[] = [];
  for (let d = 0; d <= xMax + 1e-9; d += 0.1) xTicks.push({ at: d / xMax, label: d.toFixed(1) });
  const yTicks: { at: number; label: string }[] = [];
  for (let s = 0; s <= yMax + 1e-9; s += yStep) yTicks.push({ at: s / yMax, label: pct(s, 0) });

  const bars = (shares: number[], colour: string) =>
    shares
      .map((s, i) =>
        s > 0
          ? `<rect x="${f(px(i * binWidth))}" y="${f(py(s))}" width="${f(px(binWidth) - panel.left)}" height="${f(panel.top + panel.height - py(s))}" fill="${colour}" fill-opacity="0.5" stroke="${colour}" stroke-width="1"/>`
          : '',
      )
      .join('');
  const vertical = (d: number, colour: string, dash: string) =>
    `<line x1="${f(px(d))}" y1="${panel.top}" x2="${f(px(d))}" y2="${panel.top + panel.height}" stroke="${colour}" stroke-width="2.5" stroke-dasharray="${dash}"/>`;
  const best = input.bestThreshold;
  const showBest = best !== null && Math.abs(best.threshold - input.threshold) >= 0.005;
  const sameCount = measured.filter((r) => r.same).length;
  return [
    axes(panel, xTicks, yTicks, 'distance between the two faces (embedding, Euclidean)', 'share of the group’s pairs'),
    text(panel.left, panel.top - 14, 'Distances', 'font-size="19" font-weight="bold" fill="#111"'),
    bars(differentShares, DIFFERENT_COLOUR),
    bars(sameShares, SAME_COLOUR),
    vertical(input.threshold, THRESHOLD_COLOUR, '8 5'),
    showBest && best ? vertical(best.threshold, BEST_COLOUR, '2 4') : '',
    legend(
      panel,
      [
        { label: `same person (${sameCount} pairs)`, colour: SAME_COLOUR, kind: 'box' },
        { label: `different people (${measured.length - sameCount} pairs)`, colour: DIFFERENT_COLOUR, kind: 'box' },
        { label: `threshold in use (${input.threshold})`, colour: THRESHOLD_COLOUR, kind: 'dashed' },
        ...(showBest && best
          ? [{ label: `most accurate here (${best.threshold.toFixed(3)})`, colour: BEST_COLOUR, kind: 'dotted' as const }]
          : []),
      ],
      'top-right',
    ),
  ].join('\n');
}

/** The whole picture as SVG text. */
export function verificationPlotSvg(input: PlotInput): string {
  const cv = input.crossValidated;
  const title = `${input.name}: accuracy ${pct(input.accuracy)} at threshold ${input.threshold}, ${cv.folds}-fold cross-validated ${pct(cv.accuracy)} ± ${pct(cv.std)}`;
  const subtitle =
    `${input.pairs} pairs (${input.samePairs} same person, ${input.differentPairs} different)` +
    (input.undetectedPairs ? `; ${input.undetectedPairs} without a face in a photo, counted as errors` : '; a face found in every photo');
  const roc: Panel = { left: 110, top: 118, width: 540, height: 420 };
  const histogram: Panel = { left: 820, top: 118, width: 540, height: 420 };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}" viewBox="0 0 ${PLOT_WIDTH} ${PLOT_HEIGHT}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(PLOT_WIDTH / 2, 38, title, 'font-size="21" font-weight="bold" text-anchor="middle" fill="#111"'),
    text(PLOT_WIDTH / 2, 66, subtitle, 'font-size="16" text-anchor="middle" fill="#444"'),
    rocPanel(input, roc),
    histogramPanel(input, histogram),
    '</svg>',
  ].join('\n');
}

/** Draws the plot into `file` as PNG; returns its size. */
export async function writeVerificationPlot(input: PlotInput, file: string): Promise<{ width: number; height: number }> {
  const info = await sharp(Buffer.from(verificationPlotSvg(input)))
    .png()
    .toFile(file);
  return { width: info.width, height: info.height };
}
