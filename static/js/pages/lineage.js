// Lineage: the datasets the steps wrote and read (lake partitions, files, warehouse tables), and for one dataset its
// upstream (the steps that wrote it, what they read, back to the sources) and downstream (who read it, what they
// wrote), drawn as a graph of datasets and steps and listed with links to the runs.
import { el, table, when } from "../dom.js";
import { api } from "../http.js";
import { dagDrawing } from "../charts/dag.js";

/// A dataset's name as people read it: the lake's zone path, a file's last folders, or the whole name.
const short = (name) => name.includes("/lake/") ? name.slice(name.indexOf("/lake/") + 6)
  : name.startsWith("file://") ? name.split("/").slice(-2).join("/") : name;
const link = (name) => el("a", { href: `#/lineage?dataset=${encodeURIComponent(name)}`, title: name }, short(name));
const runLink = (job) => el("a", { href: `#/run/${job.run}` }, `${job.pipeline}.${job.task}, run ${job.run}`);

export async function lineagePage(query) {
  const dataset = query.get("dataset");
  return dataset ? graphPage(dataset) : listPage(query.get("q") || "");
}

async function listPage(q) {
  const { datasets } = await api("GET", `/api/v1/lineage/datasets?limit=200${q ? `&q=${encodeURIComponent(q)}` : ""}`);
  const search = el("form", { class: "filters", role: "search", "data-keep": true, "data-key": "lineage-search",
    onsubmit: (event) => { event.preventDefault(); location.hash = `#/lineage?q=${encodeURIComponent(event.currentTarget.elements.q.value)}`; } },
  el("label", { for: "lineage-q" }, "Datasets whose name contains"), el("input", { id: "lineage-q", name: "q", type: "search", value: q }),
  el("button", { type: "submit" }, "Search"));
  return {
    title: "Lineage",
    nodes: [el("h1", {}, "Lineage"), search,
      datasets.length ? table(["Dataset", "Last written by", "Rows", "When"], datasets.map((d) => el("tr", { "data-key": d.name },
        el("td", {}, link(d.name)), el("td", {}, d.written ? runLink(d) : el("span", { class: "muted" }, `only read (by ${d.pipeline}.${d.task})`)),
        el("td", { class: "number" }, d.rows ?? "–"), el("td", {}, when(d.time)))), { "aria-label": "datasets" })
        : el("p", {}, q ? `No dataset's name contains “${q}”.` : "No lineage yet: datasets show here once a step that reports them completes.")],
  };
}

async function graphPage(dataset) {
  const graph = await api("GET", `/api/v1/lineage/graph?dataset=${encodeURIComponent(dataset)}`);
  const jobs = [...graph.upstream, ...graph.downstream];
  const id = (job) => `${job.pipeline}.${job.task} #${job.run}`;
  const nodes = new Set([short(dataset)]), needs = {}, states = { [short(dataset)]: "running" }, titles = { [short(dataset)]: dataset };
  for (const job of jobs) {
    nodes.add(id(job));
    states[id(job)] = "succeeded";
    titles[id(job)] = `${job.pipeline}.${job.task}, run ${job.run}, attempt ${job.attempt}, ${when(job.time)}`;
    needs[id(job)] = job.inputs.map((d) => short(d.name));
    for (const d of [...job.inputs, ...job.outputs]) { nodes.add(short(d.name)); titles[short(d.name)] ||= d.name + (d.rows === null || d.rows === undefined ? "" : `: ${d.rows} rows`); }
    for (const d of job.outputs) (needs[short(d.name)] ||= []).push(id(job));
  }
  const steps = (list, what) => list.length ? table(["Step", "Read", "Wrote"], list.map((job) => el("tr", { "data-key": id(job) },
    el("td", {}, runLink(job)), el("td", {}, datasetList(job.inputs)), el("td", {}, datasetList(job.outputs)))), { "aria-label": what })
    : el("p", {}, what === "upstream" ? "Nothing recorded writes this dataset: it is a source." : "Nothing recorded reads this dataset yet.");
  return {
    title: `Lineage of ${short(dataset)}`,
    nodes: [
      el("h1", {}, "Lineage of ", el("code", {}, short(dataset))), el("p", { class: "muted" }, dataset, " · ", el("a", { href: "#/lineage" }, "all datasets")),
      graph.truncated ? el("p", {}, "The graph is large: only the nearest steps are shown.") : "",
      jobs.length ? el("div", { class: "scroll", tabindex: 0, "aria-label": "the lineage graph (scrolls)" }, dagDrawing([...nodes], needs, states,
        `Lineage of ${short(dataset)}: ${graph.upstream.length} steps upstream, ${graph.downstream.length} downstream`, titles)) : "",
      el("h2", {}, "Upstream: the steps that wrote it, and theirs"), steps(graph.upstream, "upstream"),
      el("h2", {}, "Downstream: the steps that read it, and theirs"), steps(graph.downstream, "downstream"),
    ],
  };
}

const datasetList = (datasets) => el("ul", { class: "plain" }, datasets.map((d) => el("li", {}, link(d.name), d.rows === null || d.rows === undefined ? "" : ` (${d.rows} rows)`)));
