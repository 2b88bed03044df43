// @ts-check
/**
 * report.html's decision-map hover (reports/map-html.ts inlines this file): pointing at or
 * focusing a cell of a map heatmap shows its numbers (every technique's figure, measured or
 * model, with n) in the panel under that map. The same text is each cell's SVG <title>, so it
 * also shows as a tooltip and reaches screen readers without this script.
 */
(function () {
  'use strict';
  /** @param {Element | null} target */
  function show(target) {
    const cell = target instanceof Element ? target.closest('.map-cell') : null;
    if (cell === null) return;
    const figure = cell.closest('figure');
    const panel = figure === null ? null : figure.querySelector('.map-detail');
    if (panel !== null) panel.textContent = cell.getAttribute('data-detail') ?? '';
  }
  document.addEventListener('mouseover', (event) => show(/** @type {Element | null} */ (event.target)));
  document.addEventListener('focusin', (event) => show(/** @type {Element | null} */ (event.target)));
  document.documentElement.setAttribute('data-map-ready', '1');
})();
