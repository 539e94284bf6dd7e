// One pipeline: its DAG with the states of a run it names, the trigger form, the recent runs' grid with their
// durations, a duration chart, a calendar of daily outcomes, its tasks and its definition.
import { el, svg, table, when, toast, duration, seconds } from "../dom.js";
import { api, may, path } from "../http.js";
import { dagDrawing } from "../charts/dag.js";
import { durationChart } from "../charts/durations.js";
import { calendarChart } from "../charts/calendar.js";
import { paramField } from "./params.js";

export async function pipelinePage(id) {
  const base = `/api/v1/pipelines/${path(id)}`;
  const [detail, page, recent, days] = await Promise.all([
    api("GET", base), api("GET", `${base}/grid?limit=25`), api("GET", `/api/v1/runs?pipeline=${encodeURIComponent(id)}&limit=60`), api("GET", `${base}/calendar?days=182`),
  ]);
  const pipeline = detail.pipeline;
  const service = detail.taskDetails.find((task) => task.service);
  return {
    title: pipeline.id,
    nodes: [
      el("h1", {}, pipeline.id), pipeline.description ? el("p", {}, pipeline.description) : "",
      pipeline.loadError ? el("p", { class: "error" }, `The file's latest version does not load; the last good one runs. ${pipeline.loadError}`) : "",
      el("p", {}, pipeline.schedule ? `Runs on ${pipeline.schedule} (${pipeline.timezone}); next ${when(pipeline.nextRunAt)}.` : "Runs on demand.", pipeline.paused ? " Paused." : ""),
      el("h2", {}, "Tasks"), dagSection(pipeline, page.runs),
      service ? el("p", {}, `This pipeline runs as a service (task ${service.id}): the daemon keeps its one run going, so it is not triggered; pause and unpause it to restart it.`)
        : may("operate") ? triggerForm(id, pipeline) : "",
      el("h2", {}, "Recent runs"), grid(pipeline, page.runs),
      el("p", {}, el("a", { href: `#/runs?pipeline=${encodeURIComponent(id)}` }, "All runs of this pipeline")),
      el("h2", {}, "Durations"), el("div", { class: "scroll" }, durationChart(recent.runs) || el("p", {}, "No run has started yet.")),
      el("h2", {}, "Outcomes per day"), el("div", { class: "scroll" }, calendarChart(days, today(days.timezone))), legend(),
      el("h2", {}, "Task settings"),
      table(["Task", "Kind", "Needs", "Trigger rule", "Retries", "Timeout", "Service"], detail.taskDetails.map((t) =>
        el("tr", { "data-key": t.id }, [t.id, t.kind, t.needs.join(", ") || "–", t.triggerRule, t.retries, t.timeout || "–", t.service ? "yes" : "no"].map((v) => el("td", {}, v))))),
      el("details", {}, el("summary", {}, `Definition (${pipeline.file})`), el("pre", { class: "code" }, detail.definition)),
    ],
  };
}

/// Today's date in the pipeline's time zone, as the calendar names days.
function today(timeZone) {
  try { return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date()); } catch { return new Date().toISOString().slice(0, 10); }
}

const legend = () => el("p", { class: "legend" }, ["succeeded", "failed", "running", "cancelled", "none"].map((state) =>
  el("span", {}, el("span", { class: `square ${state}`, "aria-hidden": "true" }), state === "none" ? " no runs " : ` ${state} `)));

/// The DAG with the states of the newest run that has started (a queued one shows nothing yet), and says which.
function dagSection(pipeline, rows) {
  const shown = rows.find((row) => row.run.state !== "queued") || rows[0];
  const newerQueued = shown ? rows.filter((row) => row.run.id > shown.run.id && row.run.state === "queued").length : 0;
  const states = shown ? shown.tasks : {};
  const label = shown
    ? `Tasks of ${pipeline.id} in run ${shown.run.id}: ${pipeline.tasks.map((task) => `${task} ${states[task] || "not started"}`).join(", ")}`
    : `Tasks of ${pipeline.id}: ${pipeline.tasks.join(", ")}`;
  return [
    el("p", {}, shown ? ["States of ", el("a", { href: `#/run/${shown.run.id}` }, `run ${shown.run.id}`), ` (${shown.run.state}), the newest that has started`,
      newerQueued ? `; ${newerQueued} newer run${newerQueued > 1 ? "s wait" : " waits"} in the queue.` : "."] : "No runs yet."),
    el("div", { class: "scroll" }, dagDrawing(pipeline.tasks, pipeline.needs, states, label)),
  ];
}

function triggerForm(id, pipeline) {
  const fields = pipeline.params.map(paramField);
  // Kept whole through live updates while the definition is the same: what is typed stays.
  return el("form", { "data-keep": true, "data-key": `trigger ${JSON.stringify(pipeline.params)}`, onsubmit: (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    fields.forEach((field) => { field.error(form).textContent = ""; });
    const params = Object.fromEntries(fields.map((field) => [field.param.name, field.read(form)]).filter(([, value]) => value !== undefined));
    const comment = form.elements.namedItem("comment").value;
    api("POST", `/api/v1/pipelines/${path(id)}/runs`, { params, comment: comment || undefined })
      .then((run) => { toast(`run ${run.id} triggered`); location.hash = `#/run/${run.id}`; })
      .catch((error) => {
        // The daemon names the param it refuses (`param "days": …`): the message goes beside that field.
        const field = fields.find((f) => error.message.includes(`"${f.param.name}"`));
        if (field) { field.error(form).textContent = error.message; form.elements.namedItem(field.param.name).focus(); } else toast(`trigger: ${error.message}`);
      });
  } }, el("h2", {}, "Trigger a run"), fields.map((field) => field.nodes),
  el("label", { for: "trigger-comment" }, "Why (optional, kept on the run)"), el("input", { id: "trigger-comment", name: "comment", maxlength: 2000 }),
  el("p", {}, el("button", { type: "submit" }, "Trigger")));
}

/// Runs × tasks, newest on the right, with each run's duration as a bar above its column (as Airflow's grid).
function grid(pipeline, rows) {
  if (!rows.length) return el("p", {}, "No runs yet.");
  const runs = rows.slice().reverse();
  const longest = Math.max(...runs.map((r) => seconds(r.run.startedAt, r.run.finishedAt) || 0), 0.001);
  const bar = (r) => {
    const value = seconds(r.run.startedAt, r.run.finishedAt);
    const height = value === null ? 0 : Math.max(2, (36 * value) / longest);
    return svg("svg", { width: 12, height: 38, role: "img", "aria-label": `run ${r.run.id} took ${duration(value)}` },
      svg("title", {}, `run ${r.run.id}: ${duration(value)}`), svg("rect", { x: 1, y: 38 - height, width: 10, height, class: r.run.state }));
  };
  return el("div", { class: "scroll" }, el("table", { class: "grid" },
    el("thead", {},
      el("tr", {}, el("th", { scope: "row" }, "Duration"), runs.map((r) => el("td", { "data-key": String(r.run.id) }, bar(r)))),
      el("tr", {}, el("th", { scope: "col" }, "Task"), runs.map((r) => el("th", { scope: "col", "data-key": String(r.run.id) },
        el("a", { href: `#/run/${r.run.id}`, title: `logical date ${when(r.run.logicalDate)}` }, r.run.id))))),
    el("tbody", {}, pipeline.tasks.map((task) => el("tr", { "data-key": task }, el("th", { scope: "row" }, task), runs.map((r) => {
      const state = r.tasks[task];
      return el("td", { "data-key": String(r.run.id) }, state ? el("a", { href: `#/run/${r.run.id}`, class: `square ${state}`, title: `run ${r.run.id}, ${task}: ${state}`, "aria-label": `run ${r.run.id} ${task} ${state}` }) : "");
    }))))));
}
