/**
 * core/html.ts's `html` template: every interpolation is escaped unless it is SafeHtml, lists
 * join, nothing renders for null/undefined/false, and the two places where escaping cannot help
 * (an unquoted attribute value, text inside <script> or <style>) are refused outright.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { html, joinHtml, jsonScript, safe, scriptText, slug, SLUG_MAX_CHARS, styleText } from '../../core/html.ts';

const EVIL = `<img src=x onerror="alert('1')">&`;

test('text and numbers are escaped, SafeHtml is not, lists join and absent values vanish', () => {
  assert.equal(
    html`<p title="${EVIL}">${EVIL}</p>`.html,
    '<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</p>',
  );
  assert.equal(html`<td>${1234.5}</td>`.html, '<td>1234.5</td>');
  assert.equal(html`<b>${safe('<i>ok</i>')}</b>`.html, '<b><i>ok</i></b>');
  assert.equal(html`<ul>${['<a>', html`<li>b</li>`]}</ul>`.html, '<ul>&lt;a&gt;<li>b</li></ul>');
  assert.equal(html`<p>${null}${undefined}${false}</p>`.html, '<p></p>');
  assert.equal(joinHtml(['<x>', html`<y/>`], '\n').html, '&lt;x&gt;\n<y/>');
  assert.equal(String(html`<p>${'a'}</p>`), '<p>a</p>');
});

test('an unquoted attribute value is refused: a space in it would start a new attribute', () => {
  assert.throws(() => html`<td class=${'num onclick=alert(1)'}>`, /unquoted attribute value/);
  assert.doesNotThrow(() => html`<td class="${'num'}">`);
});

test('text inside <script> or <style> is refused; only the builders for those contexts go in', () => {
  assert.throws(() => html`<script>var x = ${'1'};</script>`, /inside a <script> or <style> element/);
  assert.throws(() => html`<style>${'body{}'}</style>`, /inside a <script> or <style> element/);
  assert.doesNotThrow(() => html`<script>${scriptText('var x = 1;')}</script>`);
  // After the element closes, text is text again.
  assert.equal(html`<script></script><p>${'<'}</p>`.html, '<script></script><p>&lt;</p>');
});

test('scriptText keeps a script from ending its element; jsonScript keeps JSON inert; styleText refuses </style', () => {
  assert.equal(scriptText('var s = "</script><b>";\n//# sourceMappingURL=x.map').html, 'var s = "<\\/script><b>";\n');
  const json = jsonScript({ a: '</script><!--&>' }).html;
  assert.doesNotMatch(json, /[<>&]/);
  assert.deepEqual(JSON.parse(json), { a: '</script><!--&>' });
  assert.throws(() => styleText('p{} </style><script>'), /<\/style/);
});

test('slugs are file- and id-safe and short enough for a file name', () => {
  assert.equal(slug('Header overhead: 100 clients'), 'header-overhead-100-clients');
  assert.equal(slug('<>'), 'x');
  const long = slug(`${'a'.repeat(300)} <script>`);
  assert.ok(long.length <= SLUG_MAX_CHARS && /^[a-z0-9-]+$/.test(long), long);
});
