// A pipeline's DAG as a layered drawing (after Sugiyama et al.): tasks in columns by depth, long edges routed
// through placeholder points so that no edge crosses a box, rows ordered to cut crossings, each box as wide as
// its column's longest name (up to a limit; longer names are shortened with an ellipsis and given whole in a tooltip).
import { svg } from "../dom.js";

const BOX_HEIGHT = 30, ROW_GAP = 14, PLACEHOLDER_GAP = 12, COLUMN_GAP = 56, PAD = 8, MAX_BOX = 230, MIN_BOX = 90;
const FONT = "12px system-ui, sans-serif";

const measure = (() => {
  const context = document.createElement("canvas").getContext("2d");
  return (text) => { context.font = FONT; return context.measureText(text).width; };
})();

function shorten(text, width) {
  if (measure(text) <= width) return text;
  let cut = text.length;
  while (cut > 1 && measure(text.slice(0, cut) + "…") > width) cut--;
  return text.slice(0, cut) + "…";
}

/// Layers, order and coordinates for `tasks` with their upstream `needs`. Pure apart from text measuring.
export function layout(tasks, needs) {
  const layer = {};
  // `visiting`: the path being walked, so that a cycle ends the walk (a node reached again by another path is not one).
  const depth = (task, visiting = new Set()) => {
    if (layer[task] !== undefined) return layer[task];
    visiting.add(task);
    const ups = (needs[task] || []).filter((up) => tasks.includes(up) && !visiting.has(up));
    const value = ups.length ? Math.max(...ups.map((up) => depth(up, visiting))) + 1 : 0;
    visiting.delete(task);
    return (layer[task] = value);
  };
  tasks.forEach((task) => depth(task));
  // Nodes: the tasks, and a placeholder per layer an edge passes through.
  const nodes = tasks.map((id) => ({ id, layer: layer[id], real: true }));
  const byId = Object.fromEntries(nodes.map((node) => [node.id, node]));
  const edges = [];
  const routes = [];
  for (const task of tasks) {
    for (const up of needs[task] || []) {
      if (!byId[up]) continue;
      let from = byId[up];
      const route = [from];
      for (let l = from.layer + 1; l < byId[task].layer; l++) {
        const placeholder = { id: `${up}→${task}@${l}`, layer: l, real: false };
        nodes.push(placeholder);
        edges.push([from, placeholder]);
        route.push(placeholder);
        from = placeholder;
      }
      edges.push([from, byId[task]]);
      route.push(byId[task]);
      routes.push(route);
    }
  }
  const layers = [];
  nodes.forEach((node) => (layers[node.layer] = layers[node.layer] || []).push(node));
  layers.forEach((column) => column.sort((a, b) => (a.real === b.real ? a.id.localeCompare(b.id) : a.real ? -1 : 1)));
  const predecessors = new Map(nodes.map((node) => [node, []]));
  const successors = new Map(nodes.map((node) => [node, []]));
  edges.forEach(([a, b]) => { predecessors.get(b).push(a); successors.get(a).push(b); });
  orderToCutCrossings(layers, edges, predecessors, successors);
  place(layers, predecessors, successors);
  // Columns: as wide as their longest name, within limits.
  let x = PAD;
  const columns = layers.map((column) => {
    const width = Math.min(MAX_BOX, Math.max(MIN_BOX, ...column.filter((node) => node.real).map((node) => measure(node.id) + 20)));
    const left = x;
    x += width + COLUMN_GAP;
    return { left, width };
  });
  nodes.forEach((node) => { node.x = columns[node.layer].left; node.width = columns[node.layer].width; });
  const height = Math.max(BOX_HEIGHT, ...nodes.map((node) => node.y + (node.real ? BOX_HEIGHT : 0))) + 2 * PAD;
  return { nodes: nodes.filter((node) => node.real), routes, width: x - COLUMN_GAP + PAD, height };
}

const crossings = (layers, edges) => {
  const position = new Map();
  layers.forEach((column) => column.forEach((node, index) => position.set(node, index)));
  let count = 0;
  for (let i = 0; i < edges.length; i++) {
    for (let j = i + 1; j < edges.length; j++) {
      const [a, b] = edges[i], [c, d] = edges[j];
      if (a.layer !== c.layer) continue;
      const top = position.get(a) - position.get(c), bottom = position.get(b) - position.get(d);
      if (top * bottom < 0) count++;
    }
  }
  return count;
};

/// Barycentre sweeps, down then up, keeping the best order seen.
function orderToCutCrossings(layers, edges, predecessors, successors) {
  let best = layers.map((column) => column.slice());
  let fewest = crossings(layers, edges);
  for (let sweep = 0; sweep < 8 && fewest > 0; sweep++) {
    const down = sweep % 2 === 0;
    const sequence = down ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const column of sequence) {
      const neighbours = down ? predecessors : successors;
      const reference = new Map();
      layers.forEach((c) => c.forEach((node, index) => reference.set(node, index)));
      const centre = (node, index) => {
        const around = neighbours.get(node);
        return around.length ? around.reduce((sum, other) => sum + reference.get(other), 0) / around.length : index;
      };
      const keyed = column.map((node, index) => [centre(node, index), index, node]);
      keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      column.splice(0, column.length, ...keyed.map(([, , node]) => node));
    }
    const count = crossings(layers, edges);
    if (count < fewest) { fewest = count; best = layers.map((column) => column.slice()); }
  }
  best.forEach((column, index) => layers[index].splice(0, layers[index].length, ...column));
}

/// Vertical positions: packed in order, then pulled towards their neighbours' middles, keeping order and gaps.
function place(layers, predecessors, successors) {
  const gap = (node) => (node.real ? BOX_HEIGHT + ROW_GAP : PLACEHOLDER_GAP);
  const middle = (node) => node.y + (node.real ? BOX_HEIGHT / 2 : 0);
  layers.forEach((column) => { let y = PAD; column.forEach((node) => { node.y = y; y += gap(node); }); });
  for (let pass = 0; pass < 6; pass++) {
    const down = pass % 2 === 0;
    for (const column of down ? layers.slice(1) : layers.slice(0, -1).reverse()) {
      const wanted = column.map((node) => {
        const around = (down ? predecessors : successors).get(node);
        if (!around.length) return node.y;
        return around.reduce((sum, other) => sum + middle(other), 0) / around.length - (node.real ? BOX_HEIGHT / 2 : 0);
      });
      // Forward: no overlap; backward: as close to the wish as the gaps allow.
      column.forEach((node, index) => { node.y = Math.max(wanted[index], index ? column[index - 1].y + gap(column[index - 1]) : PAD); });
      for (let index = column.length - 2; index >= 0; index--) {
        const node = column[index];
        node.y = Math.max(index ? column[index - 1].y + gap(column[index - 1]) : PAD, Math.min(node.y, column[index + 1].y - gap(node)));
      }
    }
  }
  const top = Math.min(...layers.flat().map((node) => node.y));
  layers.flat().forEach((node) => { node.y += PAD - top; });
}

/// The drawing: a box per task, coloured by its state in `states` (task → state), edges with arrows; `titles`
/// (task → text) replaces a box's tooltip.
export function dagDrawing(tasks, needs, states, label, titles = {}) {
  const { nodes, routes, width, height } = layout(tasks, needs);
  const centre = (node) => node.y + (node.real ? BOX_HEIGHT / 2 : 0);
  const edges = routes.map((route) => {
    let d = `M${route[0].x + route[0].width},${centre(route[0])}`;
    for (let i = 1; i < route.length; i++) {
      const from = route[i - 1], to = route[i];
      const startX = from.x + from.width, endX = to.x;
      const bend = (endX - startX) / 2;
      if (i > 1) d += ` L${startX},${centre(from)}`;
      d += ` C${startX + bend},${centre(from)} ${endX - bend},${centre(to)} ${endX},${centre(to)}`;
    }
    return svg("path", { d, class: "edge", "marker-end": "url(#dag-arrow)" });
  });
  const boxes = nodes.map((node) => {
    const state = states[node.id] || "none";
    return svg("g", { "data-key": node.id }, svg("title", {}, titles[node.id] || `${node.id}: ${state === "none" ? "not started" : state.replaceAll("_", " ")}`),
      svg("rect", { x: node.x, y: node.y, width: node.width, height: BOX_HEIGHT, rx: 4, class: state, "data-task": node.id }),
      svg("text", { x: node.x + 10, y: node.y + BOX_HEIGHT / 2 + 4, class: state }, shorten(node.id, node.width - 20)));
  });
  return svg("svg", { class: "dag", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label },
    svg("defs", {}, svg("marker", { id: "dag-arrow", viewBox: "0 0 8 8", refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: "auto" },
      svg("path", { d: "M0,0 L8,4 L0,8 z", class: "arrow" }))),
    edges, boxes);
}
