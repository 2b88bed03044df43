/**
 * PNG charts: the same chart.js configs as report.html, drawn by chart.js on @napi-rs/canvas.
 * Text needs a real font file, which a fresh machine may lack; rather than draw a chart without
 * labels, this module registers a known font or fails with an error that says how to get one.
 */
import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { logTickLabel, type ChartSpec } from './charts.ts';
import { PushbenchError } from '../core/errors.ts';

Chart.register(...registerables);

export const PNG_WIDTH = 900;
export const PNG_HEIGHT = 500;

/** Font files tried in order (Debian/Ubuntu, Fedora, Arch, Alpine, macOS, Windows). */
export const FONT_CANDIDATES: readonly string[] = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/ttf-dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  '/Library/Fonts/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

/** The family name charts are drawn with once a font is registered under it. */
const FONT_ALIAS = 'pushbench-sans';

/** No font could be found to draw chart text with. */
export class FontNotFoundError extends PushbenchError<'PUSHBENCH_NO_FONT'> {
  constructor(tried: readonly string[]) {
    super(
      'PUSHBENCH_NO_FONT',
      `cannot render PNG charts: no usable font found (tried ${tried.join(', ')}, and the canvas library found no system font). ` +
        'Install one, e.g. `sudo apt-get install fonts-dejavu-core` on Debian/Ubuntu, or set PUSHBENCH_FONT to the path of a .ttf file.',
    );
  }
}

/** How fonts are looked up; injectable so the missing-font path can be tested. */
export interface FontEnvironment {
  candidates: readonly string[];
  exists: (path: string) => boolean;
  register: (path: string, alias: string) => boolean;
  /** Families the canvas library already knows (system fonts it loaded itself). */
  families: () => readonly string[];
}

const defaultFontEnvironment = (): FontEnvironment => {
  const fromEnv = process.env.PUSHBENCH_FONT;
  return {
    candidates: fromEnv ? [fromEnv, ...FONT_CANDIDATES] : FONT_CANDIDATES,
    exists: existsSync,
    register: (path, alias) => GlobalFonts.registerFromPath(path, alias) !== null,
    families: () => GlobalFonts.families.map((f) => f.family),
  };
};

/**
 * Register a font for chart text and return the family to draw with: the first candidate file
 * that registers, else a family the canvas library already found. Throws FontNotFoundError.
 */
export function chooseFont(env: FontEnvironment): string {
  for (const path of env.candidates) {
    if (env.exists(path) && env.register(path, FONT_ALIAS)) return FONT_ALIAS;
  }
  const [known] = env.families();
  if (known !== undefined) return known;
  throw new FontNotFoundError(env.candidates);
}

let fontFamily: string | null = null;

/** The font family canvas text is drawn with (registered once); throws FontNotFoundError. */
export function ensureFont(): string {
  fontFamily ??= chooseFont(defaultFontEnvironment());
  return fontFamily;
}

/** Paints the background white: a transparent PNG shows as black in many viewers. */
const whiteBackground: Plugin = {
  id: 'pushbench-white-background',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** Give every logarithmic axis the 1-2-5 tick labels (the browser's boot script does the same). */
function attachLogTickLabels(config: ChartConfiguration): void {
  for (const scale of Object.values(config.options?.scales ?? {})) {
    if (scale?.type !== 'logarithmic') continue;
    scale.ticks = { ...scale.ticks, callback: (value) => logTickLabel(Number(value)) };
  }
}

/** One chart as a 900×500 PNG. */
export function renderChartPng(spec: ChartSpec): Buffer {
  const family = ensureFont();
  // chart.js reads its default font from a global; this module is its only user in Node.
  Chart.defaults.font.family = family;
  const canvas = createCanvas(PNG_WIDTH, PNG_HEIGHT);
  const ctx = canvas.getContext('2d');
  // A deep copy: chart.js writes into the config it is given, and the spec is shared with the HTML.
  const config = structuredClone(spec.config) as ChartConfiguration;
  attachLogTickLabels(config);
  const chart = new Chart(ctx as unknown as CanvasRenderingContext2D, {
    ...config,
    options: { ...config.options, animation: false, responsive: false, devicePixelRatio: 1 },
    plugins: [...(config.plugins ?? []), whiteBackground],
  });
  try {
    chart.draw();
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}
