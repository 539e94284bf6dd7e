// The pipelines list: state, schedule, next run, the last runs as squares, the last run's duration; searchable.
import { el, table, when, duration, seconds } from "../dom.js";
import { api, may, hooks, path } from "../http.js";

export async function pipelinesPage(query) {
  const list = await api("GET", "/api/v1/pipelines");
  const search = (query.get("q") || "").trim().toLowerCase();
  const shown = list.pipelines.filter((p) => !search || p.id.toLowerCase().includes(search) || (p.description || "").toLowerCase().includes(search));
  const rows = shown.map((pipeline) => {
    const last = pipeline.lastRuns[0];
    const squares = el("span", { class: "squares" }, pipeline.lastRuns.slice().reverse().map((run) =>
      el("a", { href: `#/run/${run.id}`, class: `square ${run.state}`, title: `run ${run.id}: ${run.state}`, "aria-label": `run ${run.id} ${run.state}`, "data-key": String(run.id) })));
    const toggle = may("operate") ? el("button", { type: "button", onclick: () => hooks.act(pipeline.paused ? "unpause" : "pause",
      () => api("POST", `/api/v1/pipelines/${path(pipeline.id)}/${pipeline.paused ? "unpause" : "pause"}`, {})) }, pipeline.paused ? "Unpause" : "Pause") : "";
    return el("tr", { "data-key": pipeline.id },
      el("td", {}, el("a", { href: `#/pipeline/${path(pipeline.id)}` }, pipeline.id), pipeline.description ? el("div", { class: "muted" }, pipeline.description) : ""),
      el("td", {}, pipeline.loadError ? el("span", { class: "error" }, "file broken") : pipeline.paused ? "paused" : "active"),
      el("td", {}, pipeline.schedule ? `${pipeline.schedule} (${pipeline.timezone})` : "on demand"), el("td", {}, when(pipeline.nextRunAt)),
      el("td", {}, squares), el("td", {}, last ? lastDuration(pipeline) : "–"), el("td", {}, toggle));
  });
  const broken = Object.entries(list.brokenFiles).map(([file, messages]) => el("div", { class: "error", "data-key": file }, `${file}:\n${messages.join("\n")}`));
  // The search field is the user's: a live update never touches it (data-keep).
  const form = el("form", { class: "filters", role: "search", "data-keep": true, "data-key": "search", onsubmit: (event) => event.preventDefault() },
    el("label", { for: "pipeline-search" }, "Search pipelines"),
    el("input", { id: "pipeline-search", type: "search", value: query.get("q") || "", autocomplete: "off", oninput: (event) => {
      const q = event.target.value.trim();
      history.replaceState(null, "", q ? `#/?q=${encodeURIComponent(q)}` : "#/");
      hooks.refresh();
    } }));
  return {
    title: "Pipelines",
    nodes: [el("h1", {}, "Pipelines"), ...broken, form,
      table(["Pipeline", "State", "Schedule", "Next run", "Last runs", "Last run took", "Actions"], rows),
      shown.length ? "" : el("p", {}, search ? `No pipeline matches “${search}”.` : "No pipelines: add a file to jobs.d.")],
  };
}

/// The newest run's duration, from the list's squares (which carry no times): shown on the pipeline page instead.
function lastDuration(pipeline) {
  const last = pipeline.lastRuns[0];
  return last.startedAt ? duration(seconds(last.startedAt, last.finishedAt)) : last.state;
}
