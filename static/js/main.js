// AutoOptimize panel: plain JavaScript modules, no build step. This file is the shell: who is signed in, which
// page the address names, drawing it, and bringing it up to date in place when the engine reports a change.
import { el, morph, toast } from "./dom.js";
import { api, session, remember, hooks, may, SignInNeeded } from "./http.js";
import { connect, live } from "./live.js";
import { pipelinesPage } from "./pages/pipelines.js";
import { pipelinePage } from "./pages/pipeline.js";
import { runsPage } from "./pages/runs.js";
import { runPage } from "./pages/run.js";
import { livePage } from "./pages/live.js";
import { reportsPage } from "./pages/reports.js";
import { lineagePage } from "./pages/lineage.js";
import { alertsPage } from "./pages/alerts.js";
import { logPage } from "./pages/log.js";
import { auditPage } from "./pages/audit.js";
import { adminPage } from "./pages/admin.js";
import { signInPage, passwordPage } from "./pages/session.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
let stream = null;
/// The address of the page on screen and whether engine events update it.
let shown = { address: null, live: false };

/// The page an address names: a promise of `{ title, nodes, live?, focus?, after? }`.
function pageFor(address) {
  const [where, query] = address.replace(/^#/, "").split("?");
  const [, page, ...rest] = where.split("/").map((part, index) => (index ? decodeURIComponent(part) : part));
  const search = new URLSearchParams(query || "");
  if (session.me.mustChangePassword) return passwordPage(true, async () => { session.me = null; location.hash = "#/"; await start(); });
  switch (page) {
    case "pipeline": return pipelinePage(rest[0]);
    case "runs": return runsPage(search);
    case "live": return livePage(search);
    case "reports": return reportsPage(search);
    case "lineage": return lineagePage(search);
    case "alerts": return alertsPage();
    case "run": return runPage(rest[0]);
    case "log": return logPage(rest[0], rest[1], rest[2]);
    case "audit": return auditPage();
    case "admin": return adminPage();
    case "account": return passwordPage(false, async () => {});
    default: return pipelinesPage(search);
  }
}

/// Draws the page the address names. `update`: the same page again with fresh data, changed in place (morph) so that
/// nothing under the user's hands moves; otherwise the page is new, drawn whole, scrolled to the top.
async function route({ update = false } = {}) {
  const address = location.hash || "#/";
  if (!session.me) return;
  let page;
  try {
    page = await pageFor(address);
  } catch (error) {
    if (error instanceof SignInNeeded || (location.hash || "#/") !== address) return;
    if (update) return; // a live update that failed leaves the page as it was; the next event tries again
    page = { title: "Error", live: false, nodes: [el("p", { class: "error", role: "alert" }, `This page could not load: ${error.message}`),
      el("p", {}, el("button", { type: "button", onclick: () => route() }, "Retry"))] };
  }
  if ((location.hash || "#/") !== address) return; // the user went elsewhere meanwhile
  // The title says where one is (tabs, history and screen readers announce it).
  document.title = `${page.title} · AutoOptimize`;
  // The same page, its query aside (a search typed into the page rewrites the address without leaving it).
  const samePage = shown.address !== null && shown.address.split("?")[0] === address.split("?")[0];
  if (update && samePage) {
    morph(main, el("main", { id: "main", tabindex: "-1" }, page.nodes));
  } else {
    main.replaceChildren(...page.nodes.flat(Infinity).filter((node) => node !== "" && node != null));
    if (!update) window.scrollTo(0, 0);
  }
  shown = { address, live: page.live !== false };
  if (page.focus) page.focus.focus();
  if (page.after) page.after();
}

hooks.refresh = () => route({ update: true });
/// Does an action, says how it went, and shows its effect.
hooks.act = async (label, call) => {
  try { await call(); toast(`${label}: done`); await hooks.refresh(); } catch (error) { if (!(error instanceof SignInNeeded)) toast(`${label}: ${error.message}`); }
};

// Live updates: at most one redraw every half second however many events arrive. Figures change many times a
// second while a stream flows: they redraw the live dashboard only, and engine events every page but that one.
let pending = null;
function changed(name) {
  const dashboard = (shown.address || "").startsWith("#/live");
  if (pending || !shown.live || (name && (name === "figures") !== dashboard)) return;
  pending = setTimeout(() => { pending = null; if (shown.live) route({ update: true }); }, 500);
}

function showSignIn(message) {
  // Signed out: no navigation, and nobody named in it.
  session.me = null;
  nav.hidden = true;
  document.getElementById("who").textContent = "";
  shown = { address: null, live: false };
  const page = signInPage(message, async () => { location.hash = "#/"; await start(); });
  document.title = `${page.title} · AutoOptimize`;
  main.replaceChildren(...page.nodes);
  page.focus.focus();
}
hooks.signedOut = () => showSignIn();

async function start() {
  try {
    session.me = await api("GET", "/api/v1/session");
    if (session.me.csrfToken) remember(session.me.csrfToken);
  } catch (error) {
    if (!(error instanceof SignInNeeded)) main.replaceChildren(el("p", { class: "error", role: "alert" }, `The daemon cannot be reached: ${error.message}`),
      el("p", {}, el("button", { type: "button", onclick: start }, "Retry")));
    return;
  }
  nav.hidden = false;
  nav.querySelectorAll("[data-permission]").forEach((link) => { link.hidden = !may(link.dataset.permission); });
  document.getElementById("who").textContent = `${session.me.name} (${session.me.role})`;
  if (!session.me.mustChangePassword) {
    if (stream) stream.restart(); else stream = connect(changed, () => changed(null));
  }
  shown = { address: null, live: false };
  await route();
}

document.getElementById("logout").addEventListener("click", async () => {
  try { await api("DELETE", "/api/v1/session"); } catch { /* signed out either way */ }
  remember(null);
  // The shared stream reopens with the cookie the browser now has (none): it ends for every tab.
  if (stream) stream.restart();
  showSignIn("Signed out.");
});
addEventListener("hashchange", () => route());
// The skip link moves focus to the content; as a plain "#main" link it would be taken for a page address.
document.querySelector(".skip").addEventListener("click", (event) => { event.preventDefault(); main.focus(); });
window.autooptimize = { live };
start();
