// @ts-check
/**
 * report.html's chart boot script (reports/html.ts inlines this file as it is, after chart.js):
 * reads the chart configs from #pushbench-charts, draws each into its canvas, and marks
 * <html data-charts-ready="N"> when done. A classic script, checked by `npm run typecheck`.
 */
(function () {
  'use strict';

  /** @typedef {{ type?: string, ticks?: Record<string, unknown> }} Scale */
  /** @typedef {{ options?: { scales?: Record<string, Scale> } & Record<string, unknown> } & Record<string, unknown>} ChartConfig */
  /** @typedef {{ id: string, config: ChartConfig }} ChartSpec */
  /** @typedef {{ resize(): void }} ChartInstance */
  /** chart.js's UMD build defines `Chart` on the window. */
  const Chart = /** @type {{ Chart: new (canvas: HTMLCanvasElement, config: ChartConfig) => ChartInstance }} */ (
    /** @type {unknown} */ (window)
  ).Chart;

  /**
   * Same rule as logTickLabel() in reports/charts.ts: label only 1, 2 and 5 times a power of ten.
   * @param {number} value
   */
  function logTickLabel(value) {
    if (!(value > 0)) return '';
    const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
    if (![1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)) return '';
    return value.toLocaleString('en-US', { maximumFractionDigits: value >= 1 ? 0 : 4 });
  }

  const source = document.getElementById('pushbench-charts');
  /** @type {ChartSpec[]} */
  const specs = JSON.parse(source?.textContent ?? '[]');
  /** @type {ChartInstance[]} */
  const charts = [];
  for (const spec of specs) {
    const canvas = document.getElementById(`chart-${spec.id}`);
    if (!(canvas instanceof HTMLCanvasElement)) continue;
    const config = spec.config;
    config.options = Object.assign({}, config.options, { responsive: true, maintainAspectRatio: false, animation: false });
    const scales = config.options.scales || {};
    for (const key of Object.keys(scales)) {
      const scale = scales[key];
      if (scale && scale.type === 'logarithmic') {
        scale.ticks = Object.assign({}, scale.ticks, { callback: (/** @type {unknown} */ value) => logTickLabel(Number(value)) });
      }
    }
    charts.push(new Chart(canvas, config));
  }
  // Canvases keep their screen size when printing unless told to resize.
  const resizeAll = () => {
    for (const c of charts) c.resize();
  };
  window.addEventListener('beforeprint', resizeAll);
  window.addEventListener('afterprint', resizeAll);
  document.documentElement.setAttribute('data-charts-ready', String(charts.length));
})();
