// An attempt's log: opens at the end and follows what the task writes while the reader stays at the bottom; lines
// coloured by level, filtered by level and by a search, and a download of the whole file.
import { el } from "../dom.js";
import { path } from "../http.js";

const LEVELS = [["error", /\b(error|err|fatal|critical|panic|exception|traceback)\b/i], ["warning", /\b(warn|warning)\b/i], ["debug", /\b(debug|trace)\b/i]];
const levelOf = (line) => (LEVELS.find(([, pattern]) => pattern.test(line)) || ["info"])[0];
const SHOWN = { all: ["error", "warning", "info", "debug"], warning: ["error", "warning"], error: ["error"] };

export function logPage(run, task, attempt) {
  const url = `/api/v1/runs/${run}/tasks/${path(task)}/log?attempt=${attempt}`;
  const pre = el("pre", { class: "log", tabindex: "0", "aria-label": `log of ${task} attempt ${attempt}` });
  const status = el("p", { role: "status" }, "following…");
  const count = el("span", { class: "muted", "aria-live": "polite" });
  const search = el("input", { id: "log-search", type: "search", autocomplete: "off" });
  const level = el("select", { id: "log-level" }, el("option", { value: "all" }, "all lines"), el("option", { value: "warning" }, "warnings and errors"), el("option", { value: "error" }, "errors"));
  const lines = [];
  let partial = "";
  const visible = (line) => SHOWN[level.value].includes(line.level) && (!search.value || line.text.toLowerCase().includes(search.value.toLowerCase()));
  const filter = () => {
    let shown = 0;
    for (const line of lines) { line.node.hidden = !visible(line); if (!line.node.hidden) shown++; }
    count.textContent = search.value || level.value !== "all" ? `${shown} of ${lines.length} lines` : `${lines.length} lines`;
  };
  search.addEventListener("input", filter);
  level.addEventListener("change", filter);
  const atEnd = () => pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
  const add = (text, final) => {
    const pieces = (partial + text).split("\n");
    partial = final ? "" : pieces.pop();
    if (final && pieces[pieces.length - 1] === "") pieces.pop();
    const fragment = document.createDocumentFragment();
    for (const piece of pieces) {
      const line = { text: piece, level: levelOf(piece) };
      line.node = el("span", { class: `line ${line.level}` }, piece + "\n");
      line.node.hidden = !visible(line);
      lines.push(line);
      fragment.append(line.node);
    }
    pre.append(fragment);
    count.textContent = search.value || level.value !== "all" ? count.textContent : `${lines.length} lines`;
  };
  const nodes = [
    el("h1", {}, `Log of ${task} #${attempt} (`, el("a", { href: `#/run/${run}` }, `run ${run}`), ")"),
    el("form", { class: "filters", role: "search", onsubmit: (event) => event.preventDefault() },
      el("label", { for: "log-search" }, "Search"), search, el("label", { for: "log-level" }, "Show"), level,
      el("a", { href: url, download: `${task}.${attempt}.log` }, "Download"), count),
    status, pre,
  ];
  // One streamed answer: the log so far, then what the task writes, until the attempt ends.
  const follow = async () => {
    const page = location.hash;
    const controller = new AbortController();
    const leave = () => { if (location.hash !== page) { controller.abort(); removeEventListener("hashchange", leave); } };
    addEventListener("hashchange", leave);
    try {
      const response = await fetch(`${url}&follow=true`, { credentials: "same-origin", signal: controller.signal });
      if (!response.ok) { status.textContent = `could not read the log (${response.status})`; return; }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const stay = atEnd();
        add(decoder.decode(value, { stream: true }), false);
        if (stay) pre.scrollTop = pre.scrollHeight;
      }
      add(decoder.decode(), true);
      pre.scrollTop = pre.scrollHeight;
      status.textContent = "the attempt has ended";
    } catch (error) {
      if (error.name !== "AbortError") status.textContent = `the log stopped: ${error.message}`;
    } finally {
      removeEventListener("hashchange", leave);
    }
  };
  return { title: `Log of ${task}, run ${run}`, nodes, after: follow, live: false };
}
