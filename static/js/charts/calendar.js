// A pipeline's outcomes per day over the last weeks, a square per day (weeks as columns, Monday on top), as
// GitHub draws contributions: red when a run failed that day, green when all succeeded.
import { svg } from "../dom.js";

const CELL = 13, GAP = 3, LEFT = 30, TOP = 16;

const dayName = (date) => date.toISOString().slice(0, 10);

/// The colour class of a day: the worst of its runs.
function summary(states) {
  if (!states) return "none";
  for (const state of ["failed", "running", "queued", "cancelled"]) if (states[state]) return state;
  return "succeeded";
}

/// `answer`: the calendar API's answer; `weeks`: how many to draw, ending with the week of `today` (yyyy-MM-dd).
export function calendarChart(answer, today, weeks = 26) {
  const byDay = Object.fromEntries(answer.days.map((day) => [day.day, day]));
  const end = new Date(`${today}T00:00:00Z`);
  const mondayOffset = (end.getUTCDay() + 6) % 7;
  const first = new Date(end.getTime() - ((weeks - 1) * 7 + mondayOffset) * 86400000);
  const cells = [];
  const months = [];
  for (let week = 0; week < weeks; week++) {
    for (let weekday = 0; weekday < 7; weekday++) {
      const date = new Date(first.getTime() + (week * 7 + weekday) * 86400000);
      if (date > end) break;
      const name = dayName(date);
      const day = byDay[name];
      if (date.getUTCDate() === 1 || (week === 0 && weekday === 0)) {
        months.push(svg("text", { x: LEFT + week * (CELL + GAP), y: 10, class: "axis" }, date.toLocaleString(undefined, { month: "short", timeZone: "UTC" })));
      }
      const text = day ? `${name}: ${day.total} run${day.total > 1 ? "s" : ""}, ` + Object.entries(day.states).map(([state, count]) => `${count} ${state}`).join(", ") : `${name}: no runs`;
      cells.push(svg("rect", { x: LEFT + week * (CELL + GAP), y: TOP + weekday * (CELL + GAP), width: CELL, height: CELL, rx: 2,
        class: `day ${summary(day && day.states)}`, "data-day": name }, svg("title", {}, text)));
    }
  }
  const width = LEFT + weeks * (CELL + GAP), height = TOP + 7 * (CELL + GAP);
  const failedDays = answer.days.filter((day) => day.states.failed).length;
  return svg("svg", { class: "chart calendar", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `Outcomes per day over ${weeks} weeks (${answer.timezone}): ${answer.days.length} days with runs, ${failedDays} with a failure` },
  months, ["Mon", "Wed", "Fri"].map((name, index) => svg("text", { x: 0, y: TOP + (index * 2) * (CELL + GAP) + CELL - 2, class: "axis" }, name)), cells);
}
