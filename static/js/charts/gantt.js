// A run's Gantt chart: a row per task, each attempt drawn as its wait for a slot (pale) then its running time
// (coloured by how it ended), on a time axis from the run's first queued moment.
import { svg, duration } from "../dom.js";
import { ticks } from "./axis.js";

const LABEL = 210, WIDTH = 900, ROW = 24, BAR = 14, TOP = 22;

const outcome = (state) => (state === "timed_out" ? "failed" : ["succeeded", "running", "failed"].includes(state) ? state : "cancelled");

/// `tasks`: names in DAG order; `attempts`: the run detail's attempts. Empty when nothing ran yet.
export function gantt(tasks, attempts, now = Date.now()) {
  if (!attempts.length) return "";
  const time = (value) => (value ? Date.parse(value) : now);
  const start = Math.min(...attempts.map((a) => time(a.queuedAt || a.startedAt)));
  const end = Math.max(...attempts.map((a) => time(a.finishedAt)), start + 1);
  const span = (end - start) / 1000;
  const scale = (WIDTH - LABEL - 20) / span;
  const x = (value) => LABEL + ((time(value) - start) / 1000) * scale;
  const height = TOP + tasks.length * ROW + 6;
  const grid = ticks(span).map((tick) => svg("g", {},
    svg("line", { x1: LABEL + tick.value * scale, x2: LABEL + tick.value * scale, y1: TOP - 4, y2: height, class: "tick" }),
    svg("text", { x: LABEL + tick.value * scale, y: TOP - 8, class: "axis", "text-anchor": "middle" }, tick.label)));
  const rows = tasks.map((task, row) => {
    const y = TOP + row * ROW + (ROW - BAR) / 2;
    const bars = attempts.filter((a) => a.task === task).map((a) => {
      const waited = a.queuedAt ? (Date.parse(a.startedAt) - Date.parse(a.queuedAt)) / 1000 : 0;
      const ran = (time(a.finishedAt) - Date.parse(a.startedAt)) / 1000;
      const text = `${task} attempt ${a.number}: ${a.state.replaceAll("_", " ")}, waited ${duration(waited)}, ran ${duration(ran)}`;
      return svg("g", { "data-key": `${task}#${a.number}` }, svg("title", {}, text),
        a.queuedAt ? svg("rect", { x: x(a.queuedAt), y, width: Math.max(0, x(a.startedAt) - x(a.queuedAt)), height: BAR, class: "waiting" }) : "",
        svg("rect", { x: x(a.startedAt), y, width: Math.max(2, x(a.finishedAt) - x(a.startedAt)), height: BAR, class: outcome(a.state) }));
    });
    return svg("g", { "data-key": task }, svg("text", { x: 0, y: y + BAR - 3, class: "label" }, task.length > 30 ? task.slice(0, 29) + "…" : task), bars);
  });
  const summary = `Timeline of the run over ${duration(span)}: ` + tasks.map((task) => {
    const own = attempts.filter((a) => a.task === task);
    return own.length ? `${task} ${own.length} attempt${own.length > 1 ? "s" : ""}` : `${task} did not run`;
  }).join(", ");
  return svg("svg", { class: "chart gantt", width: WIDTH, height, viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": summary }, grid, rows);
}
