// markdown.js — a small, safe Markdown renderer for model replies.
//
// Safety first: the whole text is HTML-escaped before any markup is added, and
// the only tags ever produced are the fixed ones below (no links, no images,
// no attributes taken from the text except a sanitized code language class).
// Handles what chat models write: ``` fenced code blocks (an unclosed fence
// while a reply is still streaming renders as code), `inline code`, **bold**,
// *italic* / _italic_, headings, - / * / 1. lists, > quotes, paragraphs.

export function escapeHtml(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// Inline markup over already-escaped text. Inline code spans are cut out
// first so that nothing inside them is touched.
function inline(escaped) {
  const codes = [];
  let s = escaped.replace(/`([^`\n]+)`/g, (_, c) => {
    codes.push(c);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = s.replace(/\*\*(?=\S)([^*]*?\S)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/__(?=\S)([^_]*?\S)__/g, '<strong>$1</strong>');
  s = s.replace(/(^|[^*\w])\*(?=\S)([^*\n]*?\S)\*(?!\*)/g, '$1<em>$2</em>');
  s = s.replace(/(^|[^_\w])_(?=\S)([^_\n]*?\S)_(?![_\w])/g, '$1<em>$2</em>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => `<code>${codes[Number(i)]}</code>`);
}

const FENCE = /^\s*```\s*([\w+#.-]*)\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const ORDERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const QUOTE = /^\s*&gt;\s?(.*)$/;

// Renders Markdown text to an HTML string that is safe to assign to innerHTML.
export function renderMarkdown(text) {
  const clean = String(text ?? '').replace(/\u0000/g, ''); // NUL marks inline code spans
  const lines = escapeHtml(clean).replace(/\r\n?/g, '\n').split('\n');
  const out = [];
  let para = [];
  let list = null; // { tag: 'ul' | 'ol', items: [] }
  let quote = [];

  const flushPara = () => {
    if (para.length) out.push(`<p>${para.map(inline).join('<br>')}</p>`);
    para = [];
  };
  const flushList = () => {
    if (list) {
      const start = list.tag === 'ol' && list.start !== 1 ? ` start="${list.start}"` : '';
      out.push(`<${list.tag}${start}>${list.items.map((it) => `<li>${inline(it)}</li>`).join('')}</${list.tag}>`);
    }
    list = null;
  };
  const flushQuote = () => {
    if (quote.length) out.push(`<blockquote>${renderMarkdownEscaped(quote)}</blockquote>`);
    quote = [];
  };
  const flushAll = () => { flushPara(); flushList(); flushQuote(); };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      flushAll();
      const lang = fence[1].replace(/[^\w+#-]/g, '').slice(0, 20);
      const body = [];
      i++;
      while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) body.push(lines[i++]);
      const cls = lang ? ` class="language-${lang}"` : '';
      const label = lang ? `<span class="code-lang">${lang}</span>` : '';
      out.push(`<pre>${label}<code${cls}>${body.join('\n')}</code></pre>`);
      continue;
    }
    const q = QUOTE.exec(line);
    if (q) { flushPara(); flushList(); quote.push(q[1]); continue; }
    flushQuote();
    if (/^\s*$/.test(line)) { flushPara(); flushList(); continue; }
    const h = HEADING.exec(line);
    if (h) {
      // '#' becomes <h3>: headings stay small inside a chat bubble.
      const level = Math.min(6, h[1].length + 2);
      flushAll();
      out.push(`<h${level}>${inline(h[2])}</h${level}>`);
      continue;
    }
    const b = BULLET.exec(line);
    const o = b ? null : ORDERED.exec(line);
    if (b || o) {
      flushPara();
      const tag = b ? 'ul' : 'ol';
      if (!list || list.tag !== tag) { flushList(); list = { tag, items: [], start: o ? Number(o[1]) : 1 }; }
      list.items.push(b ? b[1] : o[2]);
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) { list.items[list.items.length - 1] += ' ' + line.trim(); continue; }
    flushList();
    para.push(line);
  }
  flushAll();
  return out.join('');
}

// Quote bodies are already escaped: render them without escaping twice.
function renderMarkdownEscaped(lines) {
  const unescaped = lines.join('\n').replace(/&#39;/g, "'").replace(/&quot;/g, '"')
    .replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
  return renderMarkdown(unescaped);
}
