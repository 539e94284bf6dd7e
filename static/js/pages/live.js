// The live sales dashboard: a streaming worker's figures (top sellers, deals in progress, revenue by hour, the
// stream's health), updated in place within a second of an event; the seller table downloads as the contract's CSV.
import { el, svg, table } from "../dom.js";
import { api } from "../http.js";

const money = (text) => Number(text).toLocaleString(undefined, { style: "currency", currency: "USD", maximumFractionDigits: 0 });

export async function livePage(query) {
  let summary;
  try {
    summary = await api("GET", `/api/v1/figures/summary${query.get("group") ? `?group=${encodeURIComponent(query.get("group"))}` : ""}`);
  } catch (error) {
    return { title: "Live sales", nodes: [el("h1", {}, "Live sales"), el("p", {}, `No live figures: ${error.message}. A pipeline with a seller-figures service shows here once it runs.`)] };
  }
  const group = encodeURIComponent(summary.group);
  const [sellers, streams, services] = await Promise.all([
    api("GET", `/api/v1/figures/sellers?group=${group}`), api("GET", "/api/v1/streams").catch((error) => ({ failed: error.message })),
    serviceTasks(summary.pipeline),
  ]);
  const leaders = (rows, what) => table(["Seller", "Deals won", "Revenue (USD)"], rows.map((row) =>
    el("tr", { "data-key": row.seller_id }, el("td", {}, `${row.seller_name} (${row.seller_id})`), el("td", {}, row.deals_won), el("td", { class: "number" }, money(row.revenue_usd)))),
  { "aria-label": what });
  const chooser = summary.groups.length > 1 ? el("form", { class: "filters", "data-keep": true, "data-key": `groups ${summary.groups.join(",")}` },
    el("label", { for: "live-group" }, "Consumer group"),
    el("select", { id: "live-group", onchange: (event) => { location.hash = `#/live?group=${encodeURIComponent(event.target.value)}`; } },
      summary.groups.map((name) => el("option", { selected: name === summary.group }, name)))) : "";
  return {
    title: "Live sales",
    nodes: [
      el("h1", {}, "Live sales"), chooser,
      el("p", {}, `Consumer group ${summary.group} of pipeline `, el("a", { href: `#/pipeline/${encodeURIComponent(summary.pipeline)}` }, summary.pipeline), "."),
      el("dl", { class: "kpis" },
        kpi("Revenue", money(summary.revenueUSD)), kpi("Deals in progress", summary.dealsInProgress),
        kpi("Events a second", summary.eventsPerSecond.toFixed(1), "events-per-second"), kpi("Events counted", summary.events, "events-counted"),
        kpi("Lag (messages)", summary.lag ?? "–"), kpi("Dead letters", summary.deadLetters)),
      el("div", { class: "columns" },
        el("section", {}, el("h2", {}, "Top sellers by revenue"), leaders(summary.topByRevenue, "top sellers by revenue")),
        el("section", {}, el("h2", {}, "Top sellers by deals won"), leaders(summary.topByDealsWon, "top sellers by deals won"))),
      el("h2", {}, "Revenue by hour, last 24 hours (UTC)"), el("div", { class: "scroll" }, hourChart(summary.revenueByHour)),
      el("h2", {}, "Every seller"),
      el("p", {}, el("a", { href: `/api/v1/figures/sellers?group=${group}&format=csv`, download: `seller_kpis-${summary.group}.csv` }, "Download CSV")),
      table(["Seller", "Name", "Won", "Lost", "Open", "Revenue (USD)", "Conversion"], sellers.sellers.map((s) =>
        el("tr", { "data-key": s.seller_id }, [s.seller_id, s.seller_name, s.deals_won, s.deals_lost, s.deals_open, s.revenue_usd,
          s.conversion === null ? "–" : `${(100 * Number(s.conversion)).toFixed(1)} %`].map((v) => el("td", {}, v))))),
      el("h2", {}, "Services"), servicesTable(services),
      el("h2", {}, "Kafka"), kafka(streams),
    ],
  };
}

const kpi = (label, value, id) => el("div", {}, el("dt", {}, label), el("dd", id ? { id } : {}, String(value)));

/// 24 bars, one an hour, the current hour on the right.
function hourChart(hours) {
  const width = 720, height = 160, left = 64, bottom = 22, bar = (width - left) / hours.length;
  const highest = Math.max(1, ...hours.map((h) => Number(h.revenue_usd)));
  const y = (value) => 8 + (height - bottom - 8) * (1 - value / highest);
  const total = hours.reduce((sum, h) => sum + Number(h.revenue_usd), 0);
  return svg("svg", { class: "chart hours", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `Revenue by hour over the last 24 hours: ${money(total)} in all, at most ${money(highest)} in an hour` },
  svg("text", { x: 0, y: 16, class: "axis" }, money(highest)), svg("text", { x: 0, y: height - bottom, class: "axis" }, "0"),
  hours.map((h, index) => svg("g", { "data-key": h.start },
    svg("title", {}, `${new Date(h.start).toISOString().slice(11, 16)} UTC: ${money(h.revenue_usd)}, ${h.deals_won} deals won`),
    svg("rect", { x: left + index * bar + 1, y: y(Number(h.revenue_usd)), width: bar - 2, height: Math.max(0, height - bottom - y(Number(h.revenue_usd))), class: "succeeded" }),
    index % 4 === 3 ? svg("text", { x: left + index * bar + bar / 2, y: height - 6, class: "axis", "text-anchor": "middle" }, new Date(h.start).toISOString().slice(11, 13) + "h") : "")));
}

/// The service tasks of the pipeline's service run (the daemon keeps them going, restarting them with backoff).
async function serviceTasks(pipeline) {
  const runs = await api("GET", `/api/v1/runs?pipeline=${encodeURIComponent(pipeline)}&limit=20`).catch(() => ({ runs: [] }));
  const run = runs.runs.find((r) => r.trigger === "service");
  if (!run) return { run: null, tasks: [] };
  const detail = await api("GET", `/api/v1/runs/${run.id}`).catch(() => ({ tasks: [] }));
  return { run, tasks: detail.tasks };
}

const clock = (time) => new Date(time).toLocaleTimeString();

function servicesTable({ run, tasks }) {
  if (!run) return el("p", {}, "This pipeline's services are not running.");
  const says = (task) => task.state === "running" ? `running since ${clock(task.startedAt)}`
    : task.state === "up_for_retry" ? `restarting at ${task.retryAt ? clock(task.retryAt) : "once a slot is free"}${task.reason ? ` (stopped: ${task.reason})` : ""}`
      : task.state === "queued" ? "starting" : task.state.replaceAll("_", " ");
  return table(["Task", "State", "Restarts"], tasks.map((task) => el("tr", { "data-key": task.task },
    el("td", {}, el("a", { href: `#/run/${run.id}` }, task.task)),
    el("td", { class: `state ${task.state === "running" ? "succeeded" : task.state === "up_for_retry" ? "failed" : ""}` }, says(task)),
    el("td", {}, Math.max(0, task.attempts - 1)))), { "aria-label": "service tasks" });
}

/// Where Kafka is, its topics and the groups with their lag; what is wrong, said plainly.
function kafka(streams) {
  if (streams.failed) return el("p", {}, `Kafka's state is not available to you: ${streams.failed}.`);
  return [
    el("p", {}, streams.embedded ? "The daemon's embedded broker (data in memory) at " : "Brokers at ", el("code", {}, streams.bootstrap), "."),
    streams.error ? el("p", { class: "error", role: "alert" }, streams.error) : "",
    streams.groups.filter((g) => g.error).map((g) => el("p", { class: "error", role: "alert", "data-key": `error ${g.name}` }, `Group ${g.name}: ${g.error}`)),
    streams.groups.filter((g) => g.elasticsearch?.error).map((g) => el("p", { class: "error", role: "alert", "data-key": `search ${g.name}` },
      `Group ${g.name}, Elasticsearch: ${g.elasticsearch.error}`)),
    table(["Topic", "Partitions", "Messages held"], streams.topics.map((t) => el("tr", { "data-key": t.name }, el("td", {}, t.name), el("td", {}, t.partitions.length),
      el("td", {}, t.partitions.reduce((sum, p) => sum + Math.max(0, p.high - p.low), 0))))),
    table(["Group", "Pipeline", "Partitions", "Lag", "Elasticsearch"], streams.groups.map((g) => el("tr", { "data-key": g.name }, el("td", {}, g.name), el("td", {}, g.pipeline || "–"),
      el("td", {}, g.positions.length), el("td", {}, g.lag ?? "–"),
      el("td", {}, g.elasticsearch ? `${g.elasticsearch.indexed} sent, ${g.elasticsearch.pending} waiting, ${g.elasticsearch.rejected} refused` : "not configured")))),
  ];
}
