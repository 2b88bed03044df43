/**
 * Escaping for every string that travels from results.json, the command line or a server's
 * config into HTML, Markdown or an inline <script> block. Results are data from disk and may
 * be hostile (a scenario title, a header value, an error message), so nothing reaches a
 * document without passing through one of these. HTML is written with the `html` tagged
 * template, which escapes every interpolation unless it is already `SafeHtml`; the demo page
 * (servers/) and the report (reports/) both use it.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for an HTML text node or a quoted attribute value. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * Serialize a value as JSON that is safe inside `<script type="application/json">`.
 * `<` becomes `\u003c` so that no string can close the script element or open a comment;
 * `>` and `&` are escaped for the same reason, and U+2028/U+2029 because some parsers
 * treat them as line ends. The result still parses to the same value with JSON.parse.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Escape text for a Markdown table cell, list item or paragraph. Markdown syntax characters are
 * backslash-escaped first, then `&`, `<` and `>` become entities (GitHub renders inline HTML);
 * in that order, so the entities' own `#` and `;` stay intact. `|` cannot end a cell, line
 * breaks collapse to spaces (a table row is one line), and a leading `#`, `- `, `+ `, `===`
 * or `1. ` cannot start a heading or a list.
 */
export function escapeMarkdown(value: string | number): string {
  return String(value)
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/([\\`*_[\]|~!])/g, '\\$1')
    .replace(/^(\s*)(#|[+\-=](?=\s|$|[+\-=]))/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Longest slug: a chart file `charts/<slug>-<kind>.png` (plus a temp suffix while written) must stay far below a file system's 255-byte name limit. */
export const SLUG_MAX_CHARS = 64;

/** A name safe for a file and an HTML id: lowercase letters, digits and dashes, at most SLUG_MAX_CHARS of them. */
export function slug(value: string): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, SLUG_MAX_CHARS)
    .replace(/^-+|-+$/g, '');
  return cleaned === '' ? 'x' : cleaned;
}

// ---------------------------------------------------------------------------------------------
// The `html` tagged template.

/** A string of HTML that is safe to insert as is: built by `html`, or marked trusted with `safe`. */
export class SafeHtml {
  constructor(readonly html: string) {}

  toString(): string {
    return this.html;
  }
}

/** What may be interpolated into `html`: text and numbers are escaped, SafeHtml goes in as is, lists are joined, `null`, `undefined` and `false` render nothing. */
export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

/** Marks a string of HTML as trusted (static markup, or markup already escaped): the one way around escaping. */
export function safe(trustedHtml: string): SafeHtml {
  return new SafeHtml(trustedHtml);
}

/** An unquoted attribute value (`id=${x}`) would let a space end it: values go in quotes. */
const UNQUOTED_ATTRIBUTE = /=\s*$/;
/** Inside <script> or <style>, entity escaping means nothing: only SafeHtml built for that context may go in. */
const RAW_TEXT_OPEN = /<(script|style)\b[^>]*>(?![\s\S]*<\/\1)[\s\S]*$/i;

function renderValue(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.html;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(renderValue).join('');
  return escapeHtml(value as string | number);
}

/**
 * HTML with every interpolation escaped for a text node or a quoted attribute value, unless it
 * is SafeHtml. Throws on an interpolation that would be unsafe however it is escaped: an
 * unquoted attribute value, or text inside a <script> or <style> element.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  let statics = out;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (RAW_TEXT_OPEN.test(statics)) {
      if (!(value instanceof SafeHtml) && value !== null && value !== undefined && value !== false) {
        throw new Error(
          `html: interpolation ${i} is inside a <script> or <style> element; pass scriptText(), styleText() or jsonScript() there`,
        );
      }
    } else if (UNQUOTED_ATTRIBUTE.test(strings[i] ?? '')) {
      throw new Error(
        `html: interpolation ${i} is an unquoted attribute value (after ${JSON.stringify((strings[i] ?? '').slice(-20))}); quote it`,
      );
    }
    out += renderValue(value) + (strings[i + 1] ?? '');
    statics += strings[i + 1] ?? '';
  }
  return new SafeHtml(out);
}

/** Items joined by a (static, trusted) separator, each escaped unless it is SafeHtml. */
export function joinHtml(items: readonly HtmlValue[], separator: string): SafeHtml {
  return new SafeHtml(items.map(renderValue).join(separator));
}

/** JSON for a `<script type="application/json">` block (see jsonForScript). */
export function jsonScript(value: unknown): SafeHtml {
  return new SafeHtml(jsonForScript(value));
}

/**
 * JavaScript source for an inline <script> element, unchanged except that nothing in it can end
 * the element early (`</script` becomes `<\/script`, which means the same inside JS strings,
 * comments and regular expressions) and a source-map comment cannot make devtools fetch a file.
 */
export function scriptText(source: string): SafeHtml {
  return new SafeHtml(source.replace(/^\/\/# sourceMappingURL=.*$/gm, '').replace(/<\/(script)/gi, '<\\/$1'));
}

/** CSS for an inline <style> element; refuses a stylesheet that could end the element. */
export function styleText(css: string): SafeHtml {
  if (/<\/style/i.test(css)) throw new Error('styleText: the stylesheet contains </style, which would end the element');
  return new SafeHtml(css);
}

/**
 * The head of a self-contained page (a report, the live demo): UTF-8, a viewport, a
 * Content-Security-Policy that allows only inline scripts and styles (plus `connect-src 'self'`
 * when the page talks to its server), no favicon request, the title and the inline style.
 */
export function pageHead(title: string, css: SafeHtml, options: { connectSelf?: boolean } = {}): SafeHtml {
  // Built from literals only: no value from outside reaches it.
  const csp = `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';${options.connectSelf === true ? " connect-src 'self';" : ''} img-src data:`;
  return html`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${safe(csp)}">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>${css}</style>
</head>`;
}
