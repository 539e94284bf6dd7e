// Building and updating the page's DOM: `el` makes elements, `morph` brings a live tree up to date with a newly
// rendered one in place, so that an open <details>, the scroll, keyboard focus and what someone is typing survive
// live updates (replacing the page on every event once lost all of them).

const SVG = "http://www.w3.org/2000/svg";

/// Element handlers live in `node.handlers` behind one listener per event type, so that `morph` can hand a kept
/// node the fresh handlers of its new rendering (with the new data they close over).
function on(node, type, handler) {
  if (!node.handlers) node.handlers = {};
  if (!node.handlers[type]) node.addEventListener(type, (event) => node.handlers[type] && node.handlers[type](event));
  node.handlers[type] = handler;
}

function build(node, attributes, children) {
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith("on")) on(node, key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === "" || child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/// An HTML element: `el("a", { href, onclick }, "text", child…)`; falsy children are left out.
export const el = (tag, attributes = {}, ...children) => build(document.createElement(tag), attributes, children);

/// An SVG element, the same way.
export const svg = (tag, attributes = {}, ...children) => build(document.createElementNS(SVG, tag), attributes, children);

const keyOf = (node) => (node.nodeType === 1 ? node.getAttribute("data-key") : null);

function sameKind(a, b) {
  return a.nodeType === b.nodeType && a.nodeName === b.nodeName && keyOf(a) === keyOf(b);
}

/// Brings `live` up to date with `fresh` (a newly rendered tree that is then dropped), touching only what differs.
/// Children with a `data-key` are matched by key (a new run on top moves nothing below it), others by position.
/// What the user owns is left alone: whether a <details> is open, and the whole of a `data-keep` subtree (a form
/// being filled in) as long as its key is the same.
export function morph(live, fresh) {
  if (live.nodeType === 3 || live.nodeType === 8) {
    if (live.nodeValue !== fresh.nodeValue) live.nodeValue = fresh.nodeValue;
    return;
  }
  if (live.hasAttribute("data-keep")) return;
  for (const { name } of [...live.attributes]) {
    if (!fresh.hasAttribute(name) && !(name === "open" && live.nodeName === "DETAILS")) live.removeAttribute(name);
  }
  for (const { name, value } of fresh.attributes) {
    if (live.getAttribute(name) !== value) live.setAttribute(name, value);
  }
  if (fresh.handlers) for (const [type, handler] of Object.entries(fresh.handlers)) on(live, type, handler);
  morphChildren(live, fresh);
}

function morphChildren(live, fresh) {
  const keyed = new Map();
  for (const child of live.childNodes) if (keyOf(child) !== null) keyed.set(keyOf(child), child);
  let cursor = live.firstChild;
  for (const next of [...fresh.childNodes]) {
    const key = keyOf(next);
    let match = key !== null ? keyed.get(key) : cursor && keyOf(cursor) === null && sameKind(cursor, next) ? cursor : null;
    if (match && !sameKind(match, next)) match = null;
    if (match) {
      if (match !== cursor) live.insertBefore(match, cursor);
      else cursor = cursor.nextSibling;
      keyed.delete(key);
      morph(match, next);
    } else {
      live.insertBefore(next, cursor);
    }
  }
  while (cursor) {
    const stale = cursor;
    cursor = cursor.nextSibling;
    stale.remove();
  }
}

/// Shows a short message in the corner for a few seconds (announced by screen readers: the toast is a live region).
export function toast(message) {
  const element = document.getElementById("toast");
  element.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { element.textContent = ""; }, 4000);
}

export const badge = (state) => el("span", { class: `state ${state}` }, state.replaceAll("_", " "));

export const when = (value) => (value ? new Date(value).toLocaleString() : "–");

/// Seconds between two RFC 3339 times (the second defaults to now), or null without a start.
export function seconds(from, to) {
  if (!from) return null;
  return Math.max(0, ((to ? Date.parse(to) : Date.now()) - Date.parse(from)) / 1000);
}

/// A duration as people read it: 8 ms, 4.2 s, 12 s, 3 min 05 s, 2 h 07 min, 3 d 4 h.
export function duration(value) {
  if (value === null || value === undefined) return "–";
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 10) return `${value.toFixed(1)} s`;
  if (value < 60) return `${Math.round(value)} s`;
  const minutes = Math.floor(value / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.round(value % 60)).padStart(2, "0")} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/// A table whose header cells all have a name (screen readers read it for every cell below).
export function table(headings, rows, attributes = {}) {
  return el("div", { class: "scroll" }, el("table", attributes,
    el("thead", {}, el("tr", {}, headings.map((heading) => el("th", { scope: "col" }, heading)))), el("tbody", {}, rows)));
}
