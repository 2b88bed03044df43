/**
 * Number formatting with units. One locale (en-US) so that reports are identical on every
 * machine; SI prefixes (powers of 1000) for bytes and bits so that bytes and Mbit/s agree.
 */

const cache = new Map<string, Intl.NumberFormat>();

function formatter(minDigits: number, maxDigits: number): Intl.NumberFormat {
  const key = `${minDigits}:${maxDigits}`;
  let fmt = cache.get(key);
  if (fmt === undefined) {
    fmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: minDigits, maximumFractionDigits: maxDigits });
    cache.set(key, fmt);
  }
  return fmt;
}

/** `1234.5` → `1,234.5` with at most `maxDigits` decimals (trailing zeros dropped). */
export function formatNumber(value: number, maxDigits = 1): string {
  if (!Number.isFinite(value)) return '—';
  return formatter(0, maxDigits).format(value);
}

/** `1234` → `1,234`. */
export function formatInteger(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return formatter(0, 0).format(Math.round(value));
}

/** A count of bytes as measured (per message, per head): `1,043.2 B`. */
export function formatBytes(value: number): string {
  return `${formatNumber(value, 1)} B`;
}

/** A large quantity of bytes with an SI prefix: `12.3 MB`. */
export function formatByteSize(value: number): string {
  return withPrefix(value, 'B');
}

/** A bit rate with an SI prefix: `8.00 Mbit/s`. */
export function formatBitsPerSecond(value: number): string {
  return withPrefix(value, 'bit/s');
}

/** Megabits per second (10^6 bits) as a plain number with sensible precision: `6.97`, `66.2`, `665`. */
export function formatMbps(value: number): string {
  return formatter(...decimalsForMagnitude(value)).format(value);
}

/** Milliseconds with three significant digits down to the microsecond: `0.245 ms`, `23.1 ms`, `1,002 ms`. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return `${formatter(...decimalsForMagnitude(value)).format(value)} ms`;
}

/** A clock bound rounded up to one significant digit (`0.377` to `0.4`, `4.2` to `5`): a `< bound` printed from it stays true. */
export function boundCeiling(boundMs: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(boundMs));
  return Number((Math.ceil(Number((boundMs / magnitude).toPrecision(12))) * magnitude).toPrecision(1));
}

/**
 * A latency merged from shards, no finer than its clock bound: `formatMs` where that is already
 * coarser, else rounded to the bound's leading decimal place (`23.14 ms` within ±0.38 ms prints
 * `23.1 ms`), and `< 0.4 ms` when the figure lies within the bound. Without a bound, `formatMs`.
 */
export function formatBoundedMs(value: number, boundMs: number | null | undefined): string {
  if (boundMs === null || boundMs === undefined || boundMs <= 0 || !Number.isFinite(value)) return formatMs(value);
  if (value < boundMs) return `< ${boundCeiling(boundMs)} ms`;
  const allowed = Math.max(0, -Math.floor(Math.log10(boundMs)));
  const [, digits] = decimalsForMagnitude(value);
  return `${formatter(0, Math.min(digits, allowed)).format(value)} ms`;
}

/** A percentage: `12.5%`. */
export function formatPercent(value: number, maxDigits = 1): string {
  if (!Number.isFinite(value)) return '—';
  return `${formatter(0, maxDigits).format(value)}%`;
}

/** A signed change in percent: `+10.5%`, `-3%`. */
export function formatChangePercent(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const sign = value > 0 ? '+' : '';
  return `${sign}${formatter(0, 1).format(value)}%`;
}

/** A ratio between two quantities: `5.3×`, `120×`. */
export function formatFactor(value: number): string {
  if (!Number.isFinite(value)) return '∞×';
  return `${formatter(0, value < 10 ? 1 : 0).format(value)}×`;
}

/** Three significant digits for values ≥ 1, three decimals below (down to 0.001). */
function decimalsForMagnitude(value: number): [number, number] {
  const abs = Math.abs(value);
  if (abs >= 100) return [0, 0];
  if (abs >= 10) return [1, 1];
  if (abs >= 1) return [2, 2];
  return [3, 3];
}

function withPrefix(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  const prefixes = ['', 'k', 'M', 'G', 'T'];
  let scaled = value;
  let index = 0;
  while (Math.abs(scaled) >= 1000 && index < prefixes.length - 1) {
    scaled /= 1000;
    index++;
  }
  const digits: [number, number] = index === 0 ? [0, 1] : decimalsForMagnitude(scaled);
  return `${formatter(...digits).format(scaled)} ${prefixes[index] ?? ''}${unit}`;
}
