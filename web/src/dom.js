// Tiny DOM builder. Text always goes in through textContent, so labels, file names and
// URL parameters can never become markup.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// Live views repaint on every slider step and edit. These helpers write only what changed, so
// untouched nodes cost the browser no style or layout work.

/** Sets an element's text unless it already reads so. */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

const barFractions = new WeakMap();   // bar element → the scaleX it was last given

/** Draws a probability bar: a horizontal scale of `fraction` (0–1), written only on change. */
export function setBar(bar, fraction) {
  const t = `scaleX(${fraction.toFixed(4)})`;
  if (barFractions.get(bar) === t) return;
  barFractions.set(bar, t);
  bar.style.transform = t;
}

/** Puts `child` at position `index` among `parent`'s children, unless it is there already. */
export function placeChild(parent, child, index) {
  if (parent.children[index] !== child) parent.insertBefore(child, parent.children[index] ?? null);
}

/**
 * Rows kept per key between repaints: returns one row per key, reusing a previous row with the
 * same key (repeated keys in order) and making the others with make(key, i). The previous rows
 * not reused are handed to drop(row).
 */
export function reuseByKey(previous, keys, { keyOf, make, drop }) {
  const spare = new Map();
  for (const row of previous) {
    const k = keyOf(row);
    if (!spare.has(k)) spare.set(k, []);
    spare.get(k).push(row);
  }
  const rows = keys.map((k, i) => spare.get(k)?.shift() ?? make(k, i));
  for (const left of spare.values()) for (const row of left) drop(row);
  return rows;
}
