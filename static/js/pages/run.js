// One run: its state, who asked for it and why (editable), its params, its tasks in DAG order with durations and
// attempts, only the actions its state allows (confirmed when they cannot be undone), and its Gantt chart.
import { el, table, badge, when, duration, seconds, toast } from "../dom.js";
import { api, may, hooks, path } from "../http.js";
import { gantt } from "../charts/gantt.js";

const FINISHED = ["succeeded", "failed", "cancelled", "skipped"];

/// Tasks upstream first, then by name, from the pipeline's `needs`; by name when the pipeline is gone.
export function dagOrder(names, needs) {
  const placed = [];
  const remaining = names.slice().sort();
  while (remaining.length) {
    const next = remaining.find((name) => (needs[name] || []).every((up) => placed.includes(up) || !names.includes(up))) || remaining[0];
    placed.push(next);
    remaining.splice(remaining.indexOf(next), 1);
  }
  return placed;
}

/// Asks before what cannot be undone, then does it and says what happened.
const confirmed = (question, label, call) => () => { if (window.confirm(question)) hooks.act(label, call); };

export async function runPage(id) {
  const detail = await api("GET", `/api/v1/runs/${id}`);
  const run = detail.run;
  const pipeline = await api("GET", `/api/v1/pipelines/${path(run.pipeline)}`).then((d) => d.pipeline).catch(() => null);
  const byName = Object.fromEntries(detail.tasks.map((task) => [task.task, task]));
  const order = dagOrder(Object.keys(byName), pipeline ? pipeline.needs : {});
  const base = `/api/v1/runs/${id}`;
  const operate = may("operate");
  const buttons = (task) => !operate ? "" : [
    FINISHED.includes(task.state) ? el("button", { type: "button", onclick: confirmed(`Rerun ${task.task} and everything downstream of it in run ${id}?`, "rerun", () => api("POST", `${base}/rerun`, { task: task.task })) }, "Rerun from here") : "",
    task.state !== "succeeded" ? el("button", { type: "button", onclick: confirmed(`Mark ${task.task} of run ${id} succeeded? Its downstream tasks may then run.`, "mark", () => api("POST", `${base}/tasks/${path(task.task)}/mark`, { state: "succeeded" })) }, "Mark succeeded") : "",
    task.state !== "failed" ? el("button", { type: "button", onclick: confirmed(`Mark ${task.task} of run ${id} failed?${task.state === "running" ? " Its running attempt is stopped." : ""}`, "mark", () => api("POST", `${base}/tasks/${path(task.task)}/mark`, { state: "failed" })) }, "Mark failed") : "",
  ];
  const open = !FINISHED.includes(run.state);
  const rerunnable = detail.tasks.some((task) => ["failed", "cancelled"].includes(task.state) || (task.state === "skipped" && (task.reason || "").includes("upstream")));
  const runButtons = !operate ? "" : [
    open ? el("button", { type: "button", onclick: confirmed(`Cancel run ${id}? Its running tasks are stopped.`, "cancel", () => api("POST", `${base}/cancel`, {})) }, "Cancel run") : "",
    !open && rerunnable ? el("button", { type: "button", onclick: confirmed(`Rerun the failed tasks of run ${id}?`, "rerun", () => api("POST", `${base}/rerun`, {})) }, "Rerun failed tasks") : "",
  ];
  const params = Object.entries(run.params || {}).sort(([a], [b]) => a.localeCompare(b));
  const tries = (task) => (task.attempts === task.tries ? String(task.tries) : `${task.tries} (${task.attempts} attempts; interruptions by a shutdown do not count)`);
  const attempts = (task) => detail.attempts.filter((a) => a.task === task.task).map((a) => el("div", { "data-key": String(a.number) },
    el("a", { href: `#/log/${id}/${path(task.task)}/${a.number}` }, `#${a.number} ${a.state.replaceAll("_", " ")}`), ` ${duration(seconds(a.startedAt, a.finishedAt))}`,
    a.queuedAt && Date.parse(a.startedAt) - Date.parse(a.queuedAt) >= 1000 ? el("span", { class: "muted" }, ` (waited ${duration(seconds(a.queuedAt, a.startedAt))})`) : ""));
  const note = run.note && run.note !== `triggered by ${run.triggeredBy}` ? run.note : null;
  return {
    title: `Run ${run.id}`,
    nodes: [
      el("h1", {}, `Run ${run.id} of `, el("a", { href: `#/pipeline/${path(run.pipeline)}` }, run.pipeline), " ", badge(run.state)),
      el("div", { class: "columns" },
        el("dl", { class: "facts" },
          el("dt", {}, "Trigger"), el("dd", {}, run.triggeredBy ? `${run.trigger} by ${run.triggeredBy}` : run.trigger),
          el("dt", {}, "Logical date"), el("dd", {}, when(run.logicalDate)),
          el("dt", {}, "Started"), el("dd", {}, when(run.startedAt)),
          el("dt", {}, "Finished"), el("dd", {}, when(run.finishedAt)),
          el("dt", {}, "Duration"), el("dd", {}, duration(seconds(run.startedAt, run.finishedAt))),
          note ? [el("dt", {}, "Note"), el("dd", {}, note)] : "",
          el("dt", {}, "Comment"), el("dd", { class: "comment", id: "run-comment" }, run.comment || "none")),
        el("section", { "aria-label": "Params" }, el("h2", { class: "inline" }, "Params"),
          params.length ? el("dl", { class: "params" }, params.map(([name, value]) => [el("dt", {}, name), el("dd", {}, String(value))])) : el("p", {}, "No params."))),
      el("p", {}, runButtons),
      el("h2", {}, "Tasks"),
      table(["Task", "State", "Tries", "Duration", "Reason", "Attempts", "Actions"], order.map((name) => byName[name]).map((task) =>
        el("tr", { "data-key": task.task }, el("td", {}, task.task), el("td", {}, badge(task.state)), el("td", {}, tries(task)),
          el("td", {}, duration(seconds(task.startedAt, task.finishedAt))), el("td", {}, task.reason || ""), el("td", {}, attempts(task)), el("td", {}, buttons(task))))),
      el("h2", {}, "Timeline"), el("p", { class: "legend" }, el("span", { class: "square waiting", "aria-hidden": "true" }), " waiting for a slot ",
        el("span", { class: "square succeeded", "aria-hidden": "true" }), " running (coloured by how the attempt ended)"),
      el("div", { class: "scroll" }, gantt(order, detail.attempts) || el("p", {}, "Nothing has run yet.")),
      operate ? commentForm(run) : "",
    ],
  };
}

/// Folded away until wanted; kept whole through live updates while it is open or being typed in.
function commentForm(run) {
  return el("details", { "data-keep": true, "data-key": `comment ${run.id}` }, el("summary", {}, run.comment ? "Edit the comment" : "Write a comment"), el("form", { onsubmit: (event) => {
    event.preventDefault();
    const text = event.currentTarget.elements.namedItem("comment").value;
    api("PATCH", `/api/v1/runs/${run.id}`, { comment: text.trim() ? text : null })
      .then((saved) => { toast("comment saved"); document.getElementById("run-comment").textContent = saved.comment || "none"; hooks.refresh(); })
      .catch((error) => toast(`comment: ${error.message}`));
  } }, el("label", { for: "comment-text" }, "Why it ran, what was found (everyone who can see the run reads it; the change is audited)"),
  el("textarea", { id: "comment-text", name: "comment", rows: 3, maxlength: 2000 }, run.comment || ""), el("p", {}, el("button", { type: "submit" }, "Save comment"))));
}
