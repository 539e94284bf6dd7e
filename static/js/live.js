// Live engine events for this tab, over one stream shared by all tabs of the browser: through a shared worker
// where there is one; else one tab, elected by a Web Lock, holds the stream and passes events to the others on a
// BroadcastChannel; else (an old or locked-down browser) a stream of the tab's own.

const NAMES = ["run", "task", "attempt", "pipelines", "figures"];

/// How this tab receives events, for the browser test: "shared worker", "leader tab", "follower tab" or "own stream".
export const live = { mode: "none" };

/// Starts receiving; `onEvent(name)` for each engine event, `onOpen()` when the stream (re)opens (events may have been
/// missed meanwhile). Returns `{ restart }`, for after a sign-in or out: the stream must carry the cookie the browser
/// now has (none, after signing out: the stream then ends for every tab).
export function connect(onEvent, onOpen) {
  if (typeof SharedWorker === "function") {
    try { return throughWorker(onEvent, onOpen); } catch { /* a browser that refuses shared workers here: go on */ }
  }
  if (navigator.locks && typeof BroadcastChannel === "function") return throughLeader(onEvent, onOpen);
  return ownStream(onEvent, onOpen);
}

function throughWorker(onEvent, onOpen) {
  const worker = new SharedWorker("/js/events-worker.js", { name: "autooptimize-events" });
  live.mode = "shared worker";
  worker.port.onmessage = ({ data }) => {
    if (data.type === "event") onEvent(data.name);
    else if (data.type === "open") onOpen();
  };
  worker.port.start();
  worker.port.postMessage("start");
  addEventListener("pagehide", () => worker.port.postMessage("leave"));
  return { restart: () => worker.port.postMessage("restart") };
}

function throughLeader(onEvent, onOpen) {
  const channel = new BroadcastChannel("autooptimize-events");
  let source = null;
  live.mode = "follower tab";
  const open = () => {
    if (source) source.close();
    source = new EventSource("/api/v1/events");
    source.onopen = () => { channel.postMessage({ type: "open" }); onOpen(); };
    for (const name of NAMES) source.addEventListener(name, () => { channel.postMessage({ type: "event", name }); onEvent(name); });
  };
  channel.onmessage = ({ data }) => {
    if (data.type === "event") onEvent(data.name);
    else if (data.type === "open") onOpen();
    else if (data.type === "restart" && source) open();
  };
  // The lock is held for the tab's life: when the leader closes, the next tab in line takes the stream over.
  navigator.locks.request("autooptimize-events", () => {
    live.mode = "leader tab";
    open();
    return new Promise(() => {});
  });
  return { restart: () => { channel.postMessage({ type: "restart" }); if (source) open(); } };
}

function ownStream(onEvent, onOpen) {
  live.mode = "own stream";
  let source = null;
  const open = () => {
    if (source) source.close();
    source = new EventSource("/api/v1/events");
    source.onopen = onOpen;
    for (const name of NAMES) source.addEventListener(name, () => onEvent(name));
  };
  open();
  return { restart: open };
}
