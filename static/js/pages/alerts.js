// Alerts: each channel's health (the last week's alerts, its recent attempts, its last test) with a "send a test
// alert" button for admins, and the outbox, newest first, with each alert's state and last error.
import { el, table, when, toast } from "../dom.js";
import { api, hooks, may } from "../http.js";

/// A state as a badge, in the colours of the run states it resembles.
const mark = (text, like) => el("span", { class: `state ${like}` }, text);
const HEALTH = { ok: ["ok", "succeeded"], failing: ["failing", "failed"], unknown: ["no attempt yet", "skipped"] };
const STATE = { sent: "succeeded", failed: "failed", pending: "pending", retry: "pending" };
const runLink = (run) => (run ? el("a", { href: `#/run/${run}` }, `run ${run}`) : "–");

async function test(channel, button) {
  button.disabled = true;
  try {
    const result = await api("POST", "/api/v1/alerts/test", { channel });
    toast(result.delivered ? `Test alert to ${channel}: delivered` : `Test alert to ${channel}: not delivered: ${result.detail}`);
    await hooks.refresh();
  } catch (error) { toast(`Test alert to ${channel}: ${error.message}`); } finally { button.disabled = false; }
}

export async function alertsPage() {
  const [{ channels }, { alerts }] = await Promise.all([api("GET", "/api/v1/alerts/channels"), api("GET", "/api/v1/alerts?limit=50")]);
  const admin = may("administer");
  const rows = channels.map((c) => {
    const button = el("button", { type: "button", onclick: () => test(c.name, button) }, "Send a test alert");
    const last = c.lastTest ? `${c.lastTest.delivered ? "delivered" : `not delivered: ${c.lastTest.detail}`} (${when(c.lastTest.at)}, by ${c.lastTest.requestedBy})` : "–";
    return el("tr", { "data-key": c.name }, el("td", {}, c.name), el("td", {}, c.type), el("td", {}, el("code", {}, c.target)),
      el("td", {}, mark(...HEALTH[c.health])), el("td", { class: "number" }, `${c.sent} / ${c.pending} / ${c.failed}`),
      el("td", {}, when(c.lastSentAt)), el("td", {}, last), admin ? el("td", {}, button) : "");
  });
  const recent = channels.filter((c) => c.recent.length).map((c) => el("details", { "data-key": `recent-${c.name}` },
    el("summary", {}, `Recent attempts of ${c.name}`),
    table(["When", "Alert", "Pipeline", "Run", "Outcome", "Detail"], c.recent.map((d, i) => el("tr", { "data-key": `${d.alert}-${i}` },
      el("td", {}, when(d.at)), el("td", {}, `${d.alert} (${d.event.replaceAll("_", " ")})`), el("td", {}, d.pipeline), el("td", {}, runLink(d.run)),
      el("td", {}, mark(d.outcome, STATE[d.outcome])), el("td", {}, d.detail || ""))), { "aria-label": `recent attempts of ${c.name}` })));
  return {
    title: "Alerts",
    nodes: [el("h1", {}, "Alerts"),
      channels.length ? table(["Channel", "Type", "Sends to", "Health", "Sent / pending / failed (7 days)", "Last sent", "Last test", ...(admin ? ["Test"] : [])],
        rows, { "aria-label": "alert channels" })
        : el("p", {}, "No alert channel is configured: add alerts.channels to the settings file (see the README)."),
      ...recent,
      el("h2", {}, "Latest alerts"),
      alerts.length ? table(["When", "Event", "Pipeline", "Run", "Channel", "State", "Attempts", "Last error"], alerts.map((a) => el("tr", { "data-key": String(a.id) },
        el("td", {}, when(a.createdAt)), el("td", {}, a.event.replaceAll("_", " ") + (a.heldBack ? ` (+${a.heldBack} held back)` : "")), el("td", {}, a.pipeline),
        el("td", {}, runLink(a.run)), el("td", {}, a.channel), el("td", {}, mark(a.state, STATE[a.state])), el("td", { class: "number" }, a.attempts),
        el("td", {}, a.lastError || ""))), { "aria-label": "latest alerts" })
        : el("p", {}, "No alert yet.")],
    live: true,
  };
}
