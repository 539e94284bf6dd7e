// The audit trail's newest 200 events, and its export.
import { el, table, when } from "../dom.js";
import { api } from "../http.js";

export async function auditPage() {
  const page = await api("GET", "/api/v1/audit?limit=200");
  return {
    title: "Audit",
    nodes: [el("h1", {}, "Audit trail"), el("p", {}, el("a", { href: "/api/v1/audit/export", download: "autooptimize-audit.jsonl" }, "Export (JSON lines)")),
      table(["When", "Who", "Role", "Action", "Target", "From", "Outcome"], page.events.slice().reverse().map((e) =>
        el("tr", { "data-key": String(e.id) }, [when(e.at), e.actor, e.role, e.action, e.target, e.address, e.outcome].map((v) => el("td", {}, v)))))],
    live: false,
  };
}
