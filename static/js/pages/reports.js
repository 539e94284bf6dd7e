// The batch workflow's reports: from a run's analysis tables (the lake's analysis zone), revenue by region over the
// months, countries ranked with their growth and share, and the run's rejected rows by reason; every table
// downloads as the CSV file the lake holds. Figures are shown from their exact text; numbers only draw the charts.
import { el, table } from "../dom.js";
import { api } from "../http.js";
import { lineChart, barChart } from "../charts/lines.js";

const usd = (value) => Number(value).toLocaleString(undefined, { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const percent = (text) => text === null || text === undefined ? "–" : `${(100 * Number(text)).toFixed(1)} %`;

export async function reportsPage(query) {
  const { reports } = await api("GET", "/api/v1/reports");
  if (!reports.length) {
    return { title: "Reports", nodes: [el("h1", {}, "Reports"),
      el("p", {}, "No reports yet: a pipeline's tables show here once a run that publishes an analysis (such as africa-trends) succeeds.")] };
  }
  const report = reports.find((r) => r.pipeline === query.get("pipeline")) || reports[0];
  const run = report.run.id;
  const [analysis, rejects] = await Promise.all([api("GET", `/api/v1/runs/${run}/analysis`), api("GET", `/api/v1/runs/${run}/rejects?limit=1`).catch(() => null)]);
  const tables = Object.fromEntries(analysis.tables.map((t) => [t.name, t.columns.length ? t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c, row[i]]))) : []]));
  const download = (name) => el("a", { href: `/api/v1/runs/${run}/analysis/${encodeURIComponent(name)}`, download: `${name}-run${run}.csv` }, `Download ${name}.csv`);
  const chooser = reports.length > 1 ? el("form", { class: "filters", "data-keep": true, "data-key": `reports ${reports.map((r) => r.pipeline).join(",")}` },
    el("label", { for: "report-pipeline" }, "Pipeline"),
    el("select", { id: "report-pipeline", onchange: (event) => { location.hash = `#/reports?pipeline=${encodeURIComponent(event.target.value)}`; } },
      reports.map((r) => el("option", { selected: r.pipeline === report.pipeline }, r.pipeline)))) : "";
  return {
    title: "Reports",
    nodes: [
      el("h1", {}, "Reports"), chooser,
      el("p", {}, "From ", el("a", { href: `#/run/${run}` }, `run ${run}`), ` of `, el("a", { href: `#/pipeline/${encodeURIComponent(report.pipeline)}` }, report.pipeline),
        `, logical date ${report.run.logicalDate.slice(0, 10)}${tables.africa_region_trends?.[0] ? `; the last 12 months end with ${tables.africa_region_trends[0].as_of}` : ""}.`),
      tables.africa_monthly_sales ? regions(tables.africa_monthly_sales, tables.africa_region_trends || [], download) : "",
      tables.africa_country_trends ? countries(tables.africa_country_trends, tables.africa_country_ranking || [], query.get("by") === "growth", report.pipeline, download) : "",
      rejected(rejects, run),
    ],
  };
}

/// Revenue by region and month (summed from the monthly table: cents, so the sums stay exact), and the regions' trends.
function regions(monthly, trends, download) {
  const cents = new Map();
  for (const row of monthly) {
    const key = `${row.region}|${row.month}`;
    cents.set(key, (cents.get(key) || 0n) + BigInt(row.revenue_usd.replace(".", "")));
  }
  const months = [...new Set(monthly.map((r) => r.month))].sort(), names = [...new Set(monthly.map((r) => r.region))].sort();
  const text = (c) => `${c < 0n ? "-" : ""}${(c < 0n ? -c : c) / 100n}.${String((c < 0n ? -c : c) % 100n).padStart(2, "0")} USD`;
  const series = names.map((name) => ({ name, values: months.map((m) => cents.has(`${name}|${m}`) ? { number: Number(cents.get(`${name}|${m}`)) / 100, text: text(cents.get(`${name}|${m}`)) } : null) }));
  return el("section", { "data-key": "regions" },
    el("h2", {}, "Revenue by region over the months (USD)"),
    el("div", { class: "scroll", tabindex: 0, "aria-label": "revenue by region chart (scrolls)" }, lineChart({ categories: months, series, format: usd,
      label: `Revenue by region, ${months[0]} to ${months[months.length - 1]}: ${names.length} regions` })),
    el("p", {}, download("africa_monthly_sales")),
    el("h2", {}, "Regions, last 12 months against the 12 before"),
    table(["Region", "Revenue last 12 months", "12 months before", "Growth", "Share of Africa", "Units"], trends.map((r) => el("tr", { "data-key": r.region },
      el("td", {}, r.region), el("td", { class: "number" }, usd(r.revenue_last_12m)), el("td", { class: "number" }, usd(r.revenue_prev_12m)),
      el("td", { class: "number" }, percent(r.yoy_growth)), el("td", { class: "number" }, percent(r.share_last_12m)), el("td", { class: "number" }, r.units_last_12m)))),
    el("p", {}, download("africa_region_trends")));
}

/// Countries ranked by size (revenue of the last 12 months) or by growth, with share and the electric/hybrid share.
function countries(trends, ranking, byGrowth, pipeline, download) {
  const ranks = new Map(ranking.map((r) => [r.country, r]));
  const rank = (row) => Number((byGrowth ? ranks.get(row.country)?.rank_by_growth : ranks.get(row.country)?.rank_by_size) ?? 1e9);
  const rows = [...trends].sort((a, b) => rank(a) - rank(b) || a.country.localeCompare(b.country));
  const other = byGrowth ? "size" : "growth";
  return el("section", { "data-key": "countries" },
    el("h2", {}, `Countries ranked by ${byGrowth ? "growth" : "size"}`),
    el("p", {}, el("a", { href: `#/reports?pipeline=${encodeURIComponent(pipeline)}${byGrowth ? "" : "&by=growth"}` }, `Rank by ${other} instead`)),
    table(["Rank", "Country", "Region", "Revenue last 12 months", "Growth", "Share of Africa", "Electric and hybrid"], rows.map((r) => el("tr", { "data-key": r.country },
      el("td", {}, rank(r) < 1e9 ? rank(r) : "–"), el("td", {}, r.country), el("td", {}, r.region), el("td", { class: "number" }, usd(r.revenue_last_12m)),
      el("td", { class: "number" }, percent(r.yoy_growth)), el("td", { class: "number" }, percent(r.share_last_12m)),
      el("td", { class: "number" }, percent(ranks.get(r.country)?.electrified_share_last_12m))))),
    el("p", {}, download("africa_country_trends"), " · ", ranking.length ? download("africa_country_ranking") : ""));
}

function rejected(rejects, run) {
  if (!rejects) return el("section", { "data-key": "rejects" }, el("h2", {}, "Rejected rows"), el("p", {}, "This run published no rejects."));
  const reasons = [...rejects.reasons].sort((a, b) => b.rows - a.rows || a.reason.localeCompare(b.reason));
  return el("section", { "data-key": "rejects" },
    el("h2", {}, `Rejected rows: ${rejects.total}`),
    reasons.length ? el("div", { class: "scroll", tabindex: 0, "aria-label": "rejected rows chart (scrolls)" }, barChart({ rows: reasons.map((r) => ({ label: r.reason, value: r.rows })),
      label: `Rejected rows by reason: ${reasons.map((r) => `${r.reason} ${r.rows}`).join(", ")}` })) : el("p", {}, "None: every row passed."),
    table(["Reason", "Rows"], reasons.map((r) => el("tr", { "data-key": r.reason }, el("td", {}, r.reason), el("td", { class: "number" }, r.rows)))),
    el("p", {}, el("a", { href: `/api/v1/runs/${run}/rejects?format=csv`, download: `rejects-run${run}.csv` }, "Download rejects.csv"),
      " (reason, rows); each row with its file and line: ", el("a", { href: `/api/v1/runs/${run}/rejects` }, "the rejects API")));
}
