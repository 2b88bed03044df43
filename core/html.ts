/**
 * Escaping for every string that travels from results.json or from the command line
 * into HTML, Markdown or an inline <script> block. Results are data from disk and
 * may be hostile (a scenario title, a header value, an error message), so nothing
 * reaches a document without passing through one of these.
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

/** A name safe for a file and an HTML id: lowercase letters, digits and dashes. */
export function slug(value: string): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned === '' ? 'x' : cleaned;
}
