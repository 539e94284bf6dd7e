// AutoOptimize panel: plain JavaScript, no build step. It talks to /api/v1 with the
// session cookie and sends the session's CSRF token on every state-changing request.
"use strict";

const state = { csrf: sessionStorage.getItem("csrf"), me: null, events: null, editing: false };
const main = document.getElementById("main");

// ---- HTTP ----------------------------------------------------------------

/// `signingIn`: a 401 is the answer to show (wrong name or password), not a reason to show the sign-in form again.
async function api(method, path, body, { signingIn = false } = {}) {
  const headers = { "Content-Type": "application/json" };
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  // No request waits for ever: a page that cannot load says so and offers to try again (see route).
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", signal: AbortSignal.timeout(15000),
  }).catch((error) => { throw new Error(error.name === "TimeoutError" ? "the daemon did not answer within 15 s" : `the daemon cannot be reached (${error.message})`); });
  if (response.status === 401 && !signingIn) { showLogin(); throw new Error("please sign in"); }
  const text = await response.text();
  const data = text && (response.headers.get("Content-Type") || "").includes("json") ? JSON.parse(text) : text;
  if (!response.ok) throw new Error((data && data.error && data.error.message) || `${response.status}`);
  return data;
}

function toast(message) {
  const element = document.getElementById("toast");
  element.textContent = message;
  element.style.display = "block";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { element.style.display = "none"; }, 4000);
}

// ---- Rendering helpers ---------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

const badge = (value) => el("span", { class: `state ${value}` }, value);
const when = (value) => value ? new Date(value).toLocaleString() : "–";
const PERMISSIONS = { read: ["viewer", "operator", "admin", "auditor"], operate: ["operator", "admin"], administer: ["admin"], audit: ["auditor", "admin"] };
const may = (permission) => Boolean(state.me) && PERMISSIONS[permission].includes(state.me.role);

function show(...nodes) {
  main.replaceChildren(...nodes);
}

async function act(label, call) {
  try { await call(); toast(`${label}: done`); route(); } catch (error) { toast(`${label}: ${error.message}`); }
}

// ---- Sign in ---------------------------------------------------------------

function showLogin(message) {
  // Signed out: no navigation, and nobody named in it.
  state.me = null;
  document.getElementById("nav").hidden = true;
  document.getElementById("who").textContent = "";
  const error = el("p", { class: "error", role: "alert" }, message || "");
  const name = el("input", { id: "name", name: "name", autocomplete: "username", required: true });
  const password = el("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = el("form", { onsubmit: async (event) => {
    event.preventDefault();
    try {
      const session = await api("POST", "/api/v1/session", { name: name.value, password: password.value }, { signingIn: true });
      state.csrf = session.csrfToken;
      sessionStorage.setItem("csrf", state.csrf);
      location.hash = "#/";
      await start();
    } catch (failure) {
      // The name stays; the password is typed again.
      error.textContent = failure.message;
      password.value = "";
      password.focus();
    }
  } }, el("h1", {}, "Sign in"), el("label", { for: "name" }, "Name"), name,
    el("label", { for: "password" }, "Password"), password, el("p", {}, el("button", { type: "submit" }, "Sign in")), error);
  show(form);
  name.focus();
}

// ---- Pages ---------------------------------------------------------------

async function pipelinesPage() {
  const list = await api("GET", "/api/v1/pipelines");
  const rows = list.pipelines.map((pipeline) => {
    const squares = el("span", { class: "squares" }, pipeline.lastRuns.slice().reverse().map((run) =>
      el("a", { href: `#/run/${run.id}`, class: `square ${run.state}`, title: `run ${run.id}: ${run.state}`, "aria-label": `run ${run.id} ${run.state}` })));
    const toggle = may("operate") ? el("button", { type: "button", onclick: () => act(pipeline.paused ? "unpause" : "pause",
      () => api("POST", `/api/v1/pipelines/${pipeline.id}/${pipeline.paused ? "unpause" : "pause"}`, {})) }, pipeline.paused ? "Unpause" : "Pause") : "";
    return el("tr", {}, el("td", {}, el("a", { href: `#/pipeline/${pipeline.id}` }, pipeline.id)), el("td", {}, pipeline.paused ? "paused" : "active"),
      el("td", {}, pipeline.schedule ? `${pipeline.schedule} (${pipeline.timezone})` : "on demand"), el("td", {}, when(pipeline.nextRunAt)),
      el("td", {}, squares), el("td", {}, toggle));
  });
  const broken = Object.entries(list.brokenFiles).map(([file, messages]) => el("div", { class: "error" }, `${file}:\n${messages.join("\n")}`));
  show(el("h1", {}, "Pipelines"), ...broken, el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, ["Pipeline", "State", "Schedule", "Next run", "Last runs", ""].map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, rows))));
}

// The pipeline's DAG; each task coloured by its state in `latest` (the newest run's task states), if any.
function dag(pipeline, latest) {
  // Layered drawing: a task's column is one more than its deepest upstream.
  const depth = {};
  const level = (task) => depth[task] ?? (depth[task] = Math.max(-1, ...(pipeline.needs[task] || []).map(level)) + 1);
  pipeline.tasks.forEach(level);
  const columns = {};
  pipeline.tasks.forEach((task) => (columns[depth[task]] = columns[depth[task]] || []).push(task));
  const position = {};
  Object.entries(columns).forEach(([column, tasks]) => tasks.forEach((task, row) => (position[task] = { x: 10 + column * 170, y: 10 + row * 40 })));
  const width = 20 + 170 * Object.keys(columns).length;
  const height = 20 + 40 * Math.max(...Object.values(columns).map((tasks) => tasks.length));
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "dag"); svg.setAttribute("width", width); svg.setAttribute("height", height); svg.setAttribute("role", "img");
  const states = latest ? latest.tasks : {};
  svg.setAttribute("aria-label", latest
    ? `tasks of ${pipeline.id} in run ${latest.run.id}: ${pipeline.tasks.map((task) => `${task} ${states[task] || "not started"}`).join(", ")}`
    : `tasks of ${pipeline.id}`);
  const add = (tag, attributes, text) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
    if (text) node.textContent = text;
    svg.append(node);
  };
  pipeline.tasks.forEach((task) => (pipeline.needs[task] || []).forEach((need) =>
    add("line", { x1: position[need].x + 140, y1: position[need].y + 14, x2: position[task].x, y2: position[task].y + 14, stroke: "#777" })));
  pipeline.tasks.forEach((task) => {
    add("rect", { x: position[task].x, y: position[task].y, width: 140, height: 28, rx: 4, class: states[task] || "none", "data-task": task });
    add("text", { x: position[task].x + 8, y: position[task].y + 18 }, task);
  });
  return svg;
}

/// One param of the trigger form: the widget its type calls for, prefilled with its default, and the value it
/// gives, typed as the API expects it (a boolean, a number), or undefined to let the default stand.
function paramField(param) {
  const id = `param-${param.name}`;
  const error = el("span", { class: "error field-error", id: `${id}-error`, role: "alert" });
  const common = { id, name: param.name, "aria-describedby": `${id}-error` };
  let input;
  let value;
  if (param.allowed) {
    input = el("select", common, param.allowed.map((choice, index) => el("option", { value: String(index), selected: choice === param.defaultValue }, String(choice))));
    value = () => param.allowed[Number(input.value)];
  } else if (param.type === "boolean") {
    input = el("input", { ...common, type: "checkbox", checked: param.defaultValue === true });
    value = () => input.checked;
  } else if (param.type === "integer" || param.type === "number") {
    input = el("input", { ...common, type: "number", step: param.type === "integer" ? "1" : "any", value: param.defaultValue ?? "", required: param.defaultValue == null });
    value = () => (input.value === "" ? undefined : Number(input.value));
  } else {
    input = el("input", { ...common, type: param.type === "date" ? "date" : "text", value: param.defaultValue ?? "", required: param.defaultValue == null });
    value = () => (input.value === "" && param.defaultValue != null ? undefined : input.value);
  }
  const label = el("label", { for: id }, `${param.name} (${param.type})${param.description ? ": " + param.description : ""}`);
  return { param, input, error, value, nodes: param.type === "boolean" && !param.allowed ? [el("label", { for: id, class: "check" }, input, ` ${label.textContent}`), error] : [label, input, error] };
}

async function pipelinePage(id) {
  const [detail, page] = await Promise.all([api("GET", `/api/v1/pipelines/${encodeURIComponent(id)}`), api("GET", `/api/v1/pipelines/${encodeURIComponent(id)}/grid?limit=25`)]);
  const pipeline = detail.pipeline;
  const rowsOfRuns = page.runs.slice().reverse();
  const grid = el("div", { class: "scroll" }, el("table", { class: "grid" }, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Task"), rowsOfRuns.map((r) => el("th", { scope: "col" }, el("a", { href: `#/run/${r.run.id}`, title: when(r.run.logicalDate) }, r.run.id))))),
    el("tbody", {}, pipeline.tasks.map((task) => el("tr", {}, el("th", { scope: "row" }, task), rowsOfRuns.map((r) => {
      const taskState = r.tasks[task];
      return el("td", {}, taskState ? el("a", { href: `#/run/${r.run.id}`, class: `square ${taskState}`, title: `run ${r.run.id}, ${task}: ${taskState}`, "aria-label": `run ${r.run.id} ${task} ${taskState}` }) : "");
    }))))));
  const tasks = el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, ["Task", "Kind", "Needs", "Trigger rule", "Retries", "Timeout", "Service"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, detail.taskDetails.map((t) => el("tr", {}, [t.id, t.kind, t.needs.join(", ") || "–", t.triggerRule, t.retries, t.timeout || "–", t.service ? "yes" : "no"].map((v) => el("td", {}, v)))))));
  const definition = el("details", {}, el("summary", {}, `Definition (${pipeline.file})`), el("pre", { class: "log" }, detail.definition));
  const fields = pipeline.params.map(paramField);
  const service = detail.taskDetails.find((task) => task.service);
  const form = service ? el("p", {}, `This pipeline runs as a service (task ${service.id}): the daemon keeps its one run going, so it is not triggered; pause and unpause it to restart it.`)
    : may("operate") ? el("form", { onsubmit: (event) => {
    event.preventDefault();
    fields.forEach((field) => { field.error.textContent = ""; });
    const params = Object.fromEntries(fields.map((field) => [field.param.name, field.value()]).filter(([, value]) => value !== undefined));
    api("POST", `/api/v1/pipelines/${encodeURIComponent(id)}/runs`, { params })
      .then((run) => { toast(`run ${run.id} triggered`); location.hash = `#/run/${run.id}`; })
      .catch((error) => {
        // The daemon names the param it refuses (`param "days": …`): the message goes beside that field.
        const field = fields.find((f) => error.message.includes(`"${f.param.name}"`));
        if (field) { field.error.textContent = error.message; field.input.focus(); } else toast(`trigger: ${error.message}`);
      });
  } }, el("h2", {}, "Trigger a run"), fields.map((field) => field.nodes), el("p", {}, el("button", { type: "submit" }, "Trigger"))) : "";
  show(el("h1", {}, pipeline.id), el("p", {}, pipeline.description), pipeline.loadError ? el("p", { class: "error" }, pipeline.loadError) : "",
    page.runs.length ? el("p", {}, `Task states of the newest run, `, el("a", { href: `#/run/${page.runs[0].run.id}` }, `run ${page.runs[0].run.id}`), ":") : "",
    el("div", { class: "scroll" }, dag(pipeline, page.runs[0])), form, el("h2", {}, "Recent runs"), grid,
    el("p", {}, el("a", { href: `#/runs?pipeline=${encodeURIComponent(id)}` }, "All runs of this pipeline")), el("h2", {}, "Tasks"), tasks, definition);
}

async function runsPage(query) {
  const filters = new URLSearchParams(query || "");
  if (!filters.has("limit")) filters.set("limit", "50");
  const page = await api("GET", `/api/v1/runs?${filters}`);
  const field = (name, label, attributes = {}) => [el("label", { for: `filter-${name}` }, label), el("input", { id: `filter-${name}`, name, value: filters.get(name) || "", ...attributes })];
  const states = ["", "queued", "running", "succeeded", "failed", "cancelled"];
  const form = el("form", { class: "filters", onsubmit: (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams([...new FormData(event.target).entries()].filter(([, value]) => value));
    location.hash = `#/runs?${chosen}`;
  } }, field("pipeline", "Pipeline"),
    el("label", { for: "filter-state" }, "State"), el("select", { id: "filter-state", name: "state" }, states.map((s) => el("option", { value: s, selected: s === (filters.get("state") || "") }, s || "any"))),
    field("since", "Logical date from", { type: "date" }), field("until", "before", { type: "date" }), el("button", { type: "submit" }, "Filter"));
  const older = new URLSearchParams(filters);
  if (page.nextBefore) older.set("before", page.nextBefore);
  const head = el("thead", {}, el("tr", {}, ["Run", "Pipeline", "Trigger", "Logical date", "State"].map((h) => el("th", { scope: "col" }, h))));
  const body = el("tbody", {}, page.runs.map((run) => el("tr", {}, el("td", {}, el("a", { href: `#/run/${run.id}` }, run.id)),
    el("td", {}, el("a", { href: `#/pipeline/${run.pipeline}` }, run.pipeline)), el("td", {}, run.trigger), el("td", {}, when(run.logicalDate)), el("td", {}, badge(run.state)))));
  const newest = new URLSearchParams(filters);
  newest.delete("before");
  const paging = el("p", {}, filters.has("before") ? el("a", { href: `#/runs?${newest}` }, "Newest") : "", " ", page.nextBefore ? el("a", { href: `#/runs?${older}` }, "Older runs →") : "");
  show(el("h1", {}, "Runs"), form, el("div", { class: "scroll" }, el("table", {}, head, body)), page.runs.length ? "" : el("p", {}, "No runs match."), paging);
}

/// Tasks in the DAG's order (upstream first, then by name), from the pipeline's `needs`; by name when the
/// pipeline is gone.
function dagOrder(names, needs) {
  const placed = [];
  const remaining = names.slice().sort();
  while (remaining.length) {
    const next = remaining.find((name) => (needs[name] || []).every((upstream) => placed.includes(upstream) || !names.includes(upstream))) || remaining[0];
    placed.push(next);
    remaining.splice(remaining.indexOf(next), 1);
  }
  return placed;
}

/// Asks before what cannot be undone, then does it and says what happened.
function confirmed(question, label, call) {
  return () => { if (window.confirm(question)) act(label, call); };
}

const FINISHED = ["succeeded", "failed", "cancelled", "skipped"];

async function runPage(id) {
  const detail = await api("GET", `/api/v1/runs/${id}`);
  const run = detail.run;
  const pipeline = await api("GET", `/api/v1/pipelines/${encodeURIComponent(run.pipeline)}`).then((d) => d.pipeline).catch(() => null);
  const tasksByName = Object.fromEntries(detail.tasks.map((task) => [task.task, task]));
  const ordered = dagOrder(Object.keys(tasksByName), pipeline ? pipeline.needs : {}).map((name) => tasksByName[name]);
  const start = Math.min(...detail.attempts.map((a) => Date.parse(a.startedAt)), Date.now());
  const end = Math.max(...detail.attempts.map((a) => a.finishedAt ? Date.parse(a.finishedAt) : Date.now()), start + 1);
  const bar = (attempt) => {
    const from = Date.parse(attempt.startedAt), to = attempt.finishedAt ? Date.parse(attempt.finishedAt) : Date.now();
    const colour = ["succeeded", "running", "failed", "timed_out"].includes(attempt.state) ? (attempt.state === "timed_out" ? "failed" : attempt.state) : "cancelled";
    const span = el("span", { class: colour });
    // Set through the CSSOM, which the Content-Security-Policy allows (style attributes it does not).
    span.style.left = `${(100 * (from - start)) / (end - start)}%`;
    span.style.width = `${Math.max(0.5, (100 * (to - from)) / (end - start))}%`;
    return el("div", { class: "gantt", title: `${((to - from) / 1000).toFixed(3)} s` }, span);
  };
  const runOpen = !FINISHED.includes(run.state);
  // Only the actions the state allows; what cannot be undone asks first.
  const buttons = (task) => !may("operate") ? [] : [
    FINISHED.includes(task.state) ? el("button", { type: "button", onclick: confirmed(`Rerun ${task.task} and everything downstream of it in run ${id}?`, "rerun", () => api("POST", `/api/v1/runs/${id}/rerun`, { task: task.task })) }, "Rerun from here") : "",
    task.state !== "succeeded" ? el("button", { type: "button", onclick: confirmed(`Mark ${task.task} of run ${id} succeeded? Its downstream tasks may then run.`, "mark", () => api("POST", `/api/v1/runs/${id}/tasks/${encodeURIComponent(task.task)}/mark`, { state: "succeeded" })) }, "Mark succeeded") : "",
    task.state !== "failed" ? el("button", { type: "button", onclick: confirmed(`Mark ${task.task} of run ${id} failed?${task.state === "running" ? " Its running attempt is stopped." : ""}`, "mark", () => api("POST", `/api/v1/runs/${id}/tasks/${encodeURIComponent(task.task)}/mark`, { state: "failed" })) }, "Mark failed") : "",
  ];
  const rerunnable = detail.tasks.some((task) => ["failed", "cancelled"].includes(task.state) || (task.state === "skipped" && (task.reason || "").includes("upstream")));
  const runButtons = !may("operate") ? [] : [
    runOpen ? el("button", { type: "button", onclick: confirmed(`Cancel run ${id}? Its running tasks are stopped.`, "cancel", () => api("POST", `/api/v1/runs/${id}/cancel`, {})) }, "Cancel run") : "",
    !runOpen && rerunnable ? el("button", { type: "button", onclick: confirmed(`Rerun the failed tasks of run ${id}?`, "rerun", () => api("POST", `/api/v1/runs/${id}/rerun`, {})) }, "Rerun failed tasks") : "",
  ];
  const params = Object.entries(run.params || {}).sort(([a], [b]) => a.localeCompare(b));
  const tries = (task) => task.attempts === task.tries ? String(task.tries) : `${task.tries} (${task.attempts} attempts; interruptions by a shutdown do not count)`;
  show(el("h1", {}, `Run ${run.id} of `, el("a", { href: `#/pipeline/${run.pipeline}` }, run.pipeline), " ", badge(run.state)),
    el("p", {}, `${run.trigger}, logical date ${when(run.logicalDate)}${run.note ? " — " + run.note : ""}`),
    params.length ? el("dl", { class: "params" }, params.map(([name, value]) => [el("dt", {}, name), el("dd", {}, String(value))])) : el("p", {}, "No params."),
    el("p", {}, runButtons),
    el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, ["Task", "State", "Tries", "Reason", "Attempts", "Actions"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ordered.map((task) => el("tr", {}, el("td", {}, task.task), el("td", {}, badge(task.state)), el("td", {}, tries(task)), el("td", {}, task.reason || ""),
        el("td", {}, detail.attempts.filter((a) => a.task === task.task).map((a) => el("div", {}, el("a", { href: `#/log/${id}/${task.task}/${a.number}` }, `#${a.number} ${a.state}`), bar(a)))),
        el("td", {}, buttons(task))))))));
}

async function logPage(run, task, attempt) {
  const pre = el("pre", { class: "log", tabindex: "0" });
  const status = el("p", { role: "status" }, "following…");
  const download = el("a", { href: `/api/v1/runs/${run}/tasks/${encodeURIComponent(task)}/log?attempt=${attempt}`, download: `${task}.${attempt}.log` }, "Download");
  show(el("h1", {}, `Log of ${task} #${attempt} (`, el("a", { href: `#/run/${run}` }, `run ${run}`), ")"), el("p", {}, download), status, pre);
  // Opens at the end and follows it while the reader stays there; scrolling up to read stops following.
  const atEnd = () => pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
  // One streamed answer: the log so far, then what the task writes, until the attempt ends.
  const page = location.hash;
  const controller = new AbortController();
  const leave = () => { if (location.hash !== page) { controller.abort(); window.removeEventListener("hashchange", leave); } };
  window.addEventListener("hashchange", leave);
  try {
    const response = await fetch(`/api/v1/runs/${run}/tasks/${encodeURIComponent(task)}/log?attempt=${attempt}&follow=true`, { credentials: "same-origin", signal: controller.signal });
    if (!response.ok) { status.textContent = `could not read the log (${response.status})`; return; }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const follow = atEnd();
      pre.append(decoder.decode(value, { stream: true }));
      if (follow) pre.scrollTop = pre.scrollHeight;
    }
    pre.append(decoder.decode());
    pre.scrollTop = pre.scrollHeight;
    status.textContent = "the attempt has ended";
  } catch (error) {
    if (error.name !== "AbortError") status.textContent = `the log stopped: ${error.message}`;
  } finally {
    window.removeEventListener("hashchange", leave);
  }
}

async function auditPage() {
  const page = await api("GET", "/api/v1/audit?limit=200");
  show(el("h1", {}, "Audit trail"), el("p", {}, el("a", { href: "/api/v1/audit/export", download: "autooptimize-audit.jsonl" }, "Export (JSON lines)")),
    el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, ["When", "Who", "Role", "Action", "Target", "From", "Outcome"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, page.events.slice().reverse().map((e) => el("tr", {}, [when(e.at), e.actor, e.role, e.action, e.target, e.address, e.outcome].map((v) => el("td", {}, v))))))));
}

function passwordPage(forced) {
  const message = el("p", { class: "error", role: "alert" });
  const input = (id, label, autocomplete) => [el("label", { for: id }, label), el("input", { id, name: id, type: "password", autocomplete, required: true, minlength: id === "current" ? undefined : 12 })];
  const form = el("form", { onsubmit: async (event) => {
    event.preventDefault();
    const f = new FormData(event.target);
    if (f.get("new") !== f.get("again")) { message.textContent = "the two new passwords differ"; return; }
    try {
      // The change ends every session of this user, this one too: the answer carries the new one's CSRF token.
      const session = await api("POST", "/api/v1/session/password", { current: f.get("current"), new: f.get("new") });
      state.csrf = session.csrfToken;
      sessionStorage.setItem("csrf", state.csrf);
      toast("password changed");
      if (forced) { location.hash = "#/"; await start(); } else { event.target.reset(); }
    } catch (error) { message.textContent = error.message; }
  } }, el("h1", {}, forced ? "Choose your password" : "Change your password"),
    forced ? el("p", {}, "The password you signed in with was set for you. Choose your own to go on.") : "",
    input("current", "Current password", "current-password"), input("new", "New password (12 characters or more)", "new-password"),
    input("again", "New password again", "new-password"), el("p", {}, el("button", { type: "submit" }, "Change password")), message);
  show(form);
  form.querySelector("input").focus();
}

async function adminPage(createdSecret) {
  const [users, tokens] = await Promise.all([api("GET", "/api/v1/users"), api("GET", "/api/v1/tokens")]);
  const roles = ["viewer", "operator", "admin", "auditor"];
  const roleSelect = (id) => el("select", { id, name: "role" }, roles.map((role) => el("option", {}, role)));
  const secret = el("p", { role: "status" }, createdSecret || "");
  const userForm = el("form", { onsubmit: (event) => { event.preventDefault(); const f = new FormData(event.target);
    act("create user", () => api("POST", "/api/v1/users", { name: f.get("name"), role: f.get("role"), password: f.get("password") })); } },
    el("h2", {}, "New user"), el("label", { for: "user-name" }, "Name"), el("input", { id: "user-name", name: "name", required: true }),
    el("label", { for: "user-role" }, "Role"), roleSelect("user-role"), el("label", { for: "user-password" }, "Password (12 characters or more)"),
    el("input", { id: "user-password", name: "password", type: "password", minlength: 12, required: true }), el("p", {}, el("button", { type: "submit" }, "Create user")));
  const tokenForm = el("form", { onsubmit: async (event) => { event.preventDefault(); const f = new FormData(event.target);
    try {
      const pipelines = f.get("pipelines").split(",").map((p) => p.trim()).filter(Boolean);
      const token = await api("POST", "/api/v1/tokens", { name: f.get("name"), role: f.get("role"), pipelines: pipelines.length ? pipelines : undefined, expiresInDays: Number(f.get("days")) || undefined });
      // The list is drawn again with the new token in it; its secret is shown once, under the form.
      await adminPage(`Token ${token.name}: ${token.token} (copy it now: it is not shown again)`);
    } catch (error) { toast(error.message); } } },
    el("h2", {}, "New API token"), el("label", { for: "token-name" }, "Name"), el("input", { id: "token-name", name: "name", required: true }),
    el("label", { for: "token-role" }, "Role"), roleSelect("token-role"), el("label", { for: "token-pipelines" }, "Pipelines (comma-separated; empty for all)"),
    el("input", { id: "token-pipelines", name: "pipelines" }), el("label", { for: "token-days" }, "Expires in days (empty: 90)"),
    el("input", { id: "token-days", name: "days", type: "number", min: 1 }), el("p", {}, el("button", { type: "submit" }, "Create token")), secret);
  show(el("h1", {}, "Users and tokens"),
    el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, ["User", "Role", "State", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, users.items.map((u) => {
        const select = el("select", { "aria-label": `role of ${u.name}`, onchange: (event) => act("change role", () => api("PATCH", `/api/v1/users/${encodeURIComponent(u.name)}`, { role: event.target.value })) },
          roles.map((role) => el("option", { selected: role === u.role }, role)));
        const reset = el("button", { type: "button", onclick: () => {
          const password = prompt(`A new password for ${u.name} (12 characters or more); they will choose their own at the next sign-in:`);
          if (password) act("reset password", () => api("PATCH", `/api/v1/users/${encodeURIComponent(u.name)}`, { password }));
        } }, "Reset password");
        const toggle = el("button", { type: "button", onclick: () => act(u.disabled ? "enable" : "disable", () => api("PATCH", `/api/v1/users/${encodeURIComponent(u.name)}`, { disabled: !u.disabled })) }, u.disabled ? "Enable" : "Disable");
        return el("tr", {}, el("td", {}, u.name), el("td", {}, select), el("td", {}, u.disabled ? "disabled" : u.mustChangePassword ? "must change password" : "active"), el("td", {}, toggle, " ", reset));
      })))), userForm,
    el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, ["Token", "Role", "Pipelines", "Expires", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, tokens.items.map((t) => el("tr", {}, el("td", {}, t.name), el("td", {}, t.role), el("td", {}, (t.pipelines || ["all"]).join(", ")), el("td", {}, when(t.expiresAt)),
        el("td", {}, t.revoked ? "revoked" : el("button", { type: "button", onclick: () => act("revoke", () => api("DELETE", `/api/v1/tokens/${t.id}`)) }, "Revoke"))))))), tokenForm);
}

// ---- Routing and live updates ------------------------------------------

async function route() {
  state.editing = false;
  const [path, query] = (location.hash || "#/").split("?");
  const [, page, ...rest] = path.split("/");
  // The title says where one is (tabs, history, screen readers announce it).
  const titles = { pipeline: decodeURIComponent(rest[0] || ""), runs: "Runs", account: "Account", run: `Run ${rest[0]}`,
    log: `Log of ${decodeURIComponent(rest[1] || "")}, run ${rest[0]}`, audit: "Audit", admin: "Users and tokens" };
  document.title = `${titles[page] || "Pipelines"} · AutoOptimize`;
  try {
    // Until start() knows who is signed in, it routes; a hash change meanwhile waits for it.
    if (!state.me) return;
    if (state.me.mustChangePassword) return passwordPage(true);
    if (page === "pipeline") await pipelinePage(decodeURIComponent(rest[0]));
    else if (page === "runs") await runsPage(query);
    else if (page === "account") passwordPage(false);
    else if (page === "run") await runPage(rest[0]);
    else if (page === "log") await logPage(rest[0], decodeURIComponent(rest[1]), rest[2]);
    else if (page === "audit") await auditPage();
    else if (page === "admin") await adminPage();
    else await pipelinesPage();
  } catch (error) {
    if (error.message !== "please sign in") {
      show(el("p", { class: "error", role: "alert" }, `This page could not load: ${error.message}`),
        el("p", {}, el("button", { type: "button", onclick: () => route() }, "Retry")));
    }
  }
}

function listen() {
  if (state.events) state.events.close();
  state.events = new EventSource("/api/v1/events");
  let pending = null;
  // Re-renders at most every half second however many events arrive; the log page follows on its own.
  // A form being filled in is not redrawn under the person's hands: live updates wait until it is sent or left.
  const busy = () => state.editing || (main.contains(document.activeElement) && ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName));
  for (const name of ["run", "task", "attempt", "pipelines"]) {
    state.events.addEventListener(name, () => {
      if (pending || location.hash.startsWith("#/log") || location.hash.startsWith("#/admin") || location.hash.startsWith("#/account")) return;
      pending = setTimeout(() => { pending = null; if (!busy()) route(); }, 500);
    });
  }
}

async function start() {
  try {
    state.me = await api("GET", "/api/v1/session");
    if (state.me.csrfToken) { state.csrf = state.me.csrfToken; sessionStorage.setItem("csrf", state.csrf); }
  } catch { return; }
  const nav = document.getElementById("nav");
  nav.hidden = false;
  nav.querySelectorAll("[data-permission]").forEach((link) => { link.hidden = !may(link.dataset.permission); });
  document.getElementById("who").textContent = `${state.me.name} (${state.me.role})`;
  if (!state.me.mustChangePassword) listen();
  route();
}

document.getElementById("logout").addEventListener("click", async () => {
  try { await api("DELETE", "/api/v1/session"); } catch {}
  sessionStorage.removeItem("csrf");
  state.csrf = null;
  state.me = null;
  if (state.events) state.events.close();
  showLogin("Signed out.");
});
window.addEventListener("hashchange", route);
for (const kind of ["input", "change"]) main.addEventListener(kind, () => { state.editing = true; });
start();
