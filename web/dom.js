// dom.js: building elements and formatting figures.
// Every piece of data reaches the page as a text node (textContent), never
// as markup, so a name or a code from the API can never inject HTML.

/**
 * h('tag.class1.class2', {attr: value, onclick: fn}, ...children).
 * Children are nodes, strings (as text), arrays, or null/false (skipped).
 * Attribute values true/false add or leave out a boolean attribute.
 */
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
  } else if (attrs) {
    setAttrs(el, attrs);
  }
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

/** Appends children (see h) to el; returns el. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces everything inside el with children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const moneyFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** 1800 -> "1,800", 16.75 -> "16.75"; null/undefined -> "–". */
export function num(value) {
  return value === null || value === undefined ? '–' : numberFormat.format(value);
}

/** 16.75 -> "16.75%". */
export function pct(value) {
  return value === null || value === undefined ? '–' : `${numberFormat.format(value)}%`;
}

/** Cents -> "$21.75". */
export function money(cents) {
  return cents === null || cents === undefined ? '–' : moneyFormat.format(cents / 100);
}

/** Hours as a figure with "h": 1184 -> "1,184 h". */
export function hours(value) {
  return `${num(value || 0)} h`;
}

/** A date "YYYY-MM-DD" as it is (unambiguous in every locale), or "–". */
export function day(value) {
  return value || '–';
}

/** An RFC 3339 timestamp as "YYYY-MM-DD HH:MM UTC". */
export function stamp(value) {
  if (!value) return '–';
  return `${value.slice(0, 10)} ${value.slice(11, 16)} UTC`;
}

/**
 * A table with a caption, header cells and rows of cells (nodes or text);
 * the first cell of a row heads the row. A table of more than three
 * columns is "stacked" on a phone: each row becomes a block of labelled
 * lines (data-label), so nothing scrolls sideways. The explicit roles keep
 * it a table for screen readers when CSS changes its display.
 */
export function table(caption, headers, rows, { numeric = [] } = {}) {
  const head = h('tr', { role: 'row' }, headers.map((text, i) =>
    h('th', { scope: 'col', role: 'columnheader', class: numeric.includes(i) ? 'num' : null }, text)));
  const body = rows.map((cells) => h('tr', { role: 'row' }, cells.map((cell, i) => (i === 0
    ? h('th', { scope: 'row', role: 'rowheader' }, cell)
    : h('td', { role: 'cell', 'data-label': headers[i], class: numeric.includes(i) ? 'num' : null }, cell)))));
  return h(headers.length > 3 ? 'div.table-wrap.stack' : 'div.table-wrap', null,
    h('table', { role: 'table' }, h('caption', null, caption),
      h('thead', { role: 'rowgroup' }, head), h('tbody', { role: 'rowgroup' }, body)));
}

/** A description list from [term, value] pairs, leaving out empty values. */
export function facts(pairs) {
  const items = pairs.filter(([, value]) => value !== null && value !== undefined && value !== '');
  return h('dl.facts', null, items.map(([term, value]) => h('div', null, h('dt', null, term), h('dd', null, value))));
}

/** A short text for an empty list, so a blank section never looks broken. */
export function empty(text) {
  return h('p.empty', null, text);
}

/** A link to a hash route. */
export function link(route, text) {
  return h('a', { href: `#${route}` }, text);
}
