// A line chart over categories (months): one line a series, a dot per value with its exact figure as a tooltip,
// a legend, and a summary for screen readers. Values are numbers for drawing only; tooltips keep the exact text.
import { svg, el } from "../dom.js";

export function lineChart({ categories, series, label, format }) {
  const width = Math.max(480, 40 + categories.length * 22), height = 220, left = 72, right = 12, top = 10, bottom = 28;
  const highest = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v?.number ?? 0)));
  const x = (index) => left + (categories.length < 2 ? 0 : index * (width - left - right) / (categories.length - 1));
  const y = (value) => top + (height - top - bottom) * (1 - value / highest);
  const every = Math.ceil(categories.length / 12);
  return el("figure", { class: "chart-figure" },
    svg("svg", { class: "chart lines", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label },
      [0, 0.5, 1].map((share) => [svg("line", { x1: left, x2: width - right, y1: y(share * highest), y2: y(share * highest), class: "tick" }),
        svg("text", { x: left - 6, y: y(share * highest) + 4, class: "axis", "text-anchor": "end" }, format(share * highest))]),
      categories.map((category, index) => index % every === 0
        ? svg("text", { x: x(index), y: height - 8, class: "axis", "text-anchor": "middle" }, category) : ""),
      series.map((s, n) => svg("g", { class: `series series-${n % 6}`, "data-key": s.name },
        svg("polyline", { points: s.values.map((v, i) => v ? `${x(i)},${y(v.number)}` : "").filter(Boolean).join(" ") }),
        s.values.map((v, i) => v ? svg("circle", { cx: x(i), cy: y(v.number), r: 2.5 },
          svg("title", {}, `${s.name}, ${categories[i]}: ${v.text}`)) : "")))),
    el("figcaption", { class: "legend" }, series.map((s, n) => el("span", { class: `key series-${n % 6}` }, s.name))));
}

/// Horizontal bars, one a label, longest first as given; the figure written at the end of each.
export function barChart({ rows, label }) {
  const width = 640, line = 22, left = 230, highest = Math.max(1, ...rows.map((r) => r.value));
  return svg("svg", { class: "chart bars", width, height: rows.length * line + 4, viewBox: `0 0 ${width} ${rows.length * line + 4}`, role: "img", "aria-label": label },
    rows.map((row, index) => svg("g", { "data-key": row.label },
      svg("text", { x: left - 8, y: index * line + 15, class: "label", "text-anchor": "end" }, row.label),
      svg("rect", { x: left, y: index * line + 4, height: line - 8, width: Math.max(1, (width - left - 70) * row.value / highest), class: "failed" }),
      svg("text", { x: left + 6 + (width - left - 70) * row.value / highest, y: index * line + 15, class: "axis" }, String(row.value)))));
}
