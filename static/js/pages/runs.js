// Every run, newest first, filtered by pipeline, state and logical date, by keyset pages.
import { el, table, badge, when, duration, seconds } from "../dom.js";
import { api, path } from "../http.js";

const STATES = ["", "queued", "running", "succeeded", "failed", "cancelled"];

export async function runsPage(query) {
  const filters = new URLSearchParams(query);
  if (!filters.has("limit")) filters.set("limit", "50");
  const page = await api("GET", `/api/v1/runs?${filters}`);
  const field = (name, label, attributes = {}) => [el("label", { for: `filter-${name}` }, label), el("input", { id: `filter-${name}`, name, value: filters.get(name) || "", ...attributes })];
  // The form is the user's while they fill it in: live updates keep it whole (data-keep) for these filters.
  const form = el("form", { class: "filters", "data-keep": true, "data-key": `filters ${filters}`, onsubmit: (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams([...new FormData(event.currentTarget).entries()].filter(([, value]) => value));
    location.hash = `#/runs?${chosen}`;
  } }, field("pipeline", "Pipeline"),
  el("label", { for: "filter-state" }, "State"), el("select", { id: "filter-state", name: "state" }, STATES.map((s) => el("option", { value: s, selected: s === (filters.get("state") || "") }, s || "any"))),
  field("since", "Logical date from", { type: "date" }), field("until", "before", { type: "date" }), el("button", { type: "submit" }, "Filter"));
  const older = new URLSearchParams(filters);
  if (page.nextBefore) older.set("before", page.nextBefore);
  const newest = new URLSearchParams(filters);
  newest.delete("before");
  const rows = page.runs.map((run) => el("tr", { "data-key": String(run.id) }, el("td", {}, el("a", { href: `#/run/${run.id}` }, run.id)),
    el("td", {}, el("a", { href: `#/pipeline/${path(run.pipeline)}` }, run.pipeline)), el("td", {}, run.triggeredBy ? `${run.trigger} by ${run.triggeredBy}` : run.trigger),
    el("td", {}, when(run.logicalDate)), el("td", {}, badge(run.state)), el("td", {}, duration(seconds(run.startedAt, run.finishedAt))),
    el("td", { class: "comment" }, run.comment || "")));
  return {
    title: "Runs",
    nodes: [el("h1", {}, "Runs"), form, table(["Run", "Pipeline", "Trigger", "Logical date", "State", "Duration", "Comment"], rows),
      page.runs.length ? "" : el("p", {}, "No runs match."),
      el("p", {}, filters.has("before") ? el("a", { href: `#/runs?${newest}` }, "Newest") : "", " ", page.nextBefore ? el("a", { href: `#/runs?${older}` }, "Older runs →") : "")],
  };
}
