// A pipeline's run durations, oldest on the left: a bar per finished or running run, coloured by its state, with
// the median as a dashed line. Each bar links to its run.
import { el, svg, duration, seconds } from "../dom.js";

const HEIGHT = 120, LEFT = 56, BAR = 10, GAP = 3, TOP = 10, BOTTOM = 6;

/// `runs`: newest first, as the runs API answers. Returns the chart and its caption.
export function durationChart(runs) {
  const timed = runs.filter((run) => run.startedAt).slice().reverse();
  if (!timed.length) return "";
  const values = timed.map((run) => seconds(run.startedAt, run.finishedAt));
  const highest = Math.max(...values, 0.001);
  const sorted = values.slice().sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const width = LEFT + timed.length * (BAR + GAP) + 10;
  const y = (value) => TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / highest);
  const bars = timed.map((run, index) => svg("a", { href: `#/run/${run.id}`, "data-key": String(run.id) },
    svg("title", {}, `run ${run.id}: ${run.state}, ${duration(values[index])}`),
    svg("rect", { x: LEFT + index * (BAR + GAP), y: y(values[index]), width: BAR, height: Math.max(1, HEIGHT - BOTTOM - y(values[index])), class: run.state })));
  const chart = svg("svg", { class: "chart durations", width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: "group",
    "aria-label": `Durations of the last ${timed.length} runs: median ${duration(median)}, longest ${duration(highest)}` },
  svg("text", { x: 0, y: TOP + 8, class: "axis" }, duration(highest)),
  svg("text", { x: 0, y: HEIGHT - BOTTOM, class: "axis" }, "0"),
  bars,
  svg("line", { x1: LEFT - 4, x2: width, y1: y(median), y2: y(median), class: "median" }));
  return [chart, el("p", { class: "legend" }, `Last ${timed.length} runs, oldest on the left: median ${duration(median)} (dashed), longest ${duration(highest)}.`)];
}
