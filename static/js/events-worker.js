// One event stream for every tab of this browser (a shared worker): browsers open at most 6 connections to a
// server over HTTP/1.1, and a stream per tab left the seventh tab waiting for ever.
// Tabs post "start" (open the stream if it is not), "restart" (after a sign-in or out: the stream must carry the
// cookie the browser now has) and "leave" (the tab closes; the last one out closes the stream).
"use strict";

const NAMES = ["run", "task", "attempt", "pipelines", "figures"];
const ports = new Set();
let source = null;

function broadcast(message) {
  for (const port of ports) port.postMessage(message);
}

function open() {
  if (source && source.readyState !== EventSource.CLOSED) return;
  source = new EventSource("/api/v1/events");
  // Opened, or opened again after the daemon restarted: events may have been missed, so tabs read afresh.
  source.onopen = () => broadcast({ type: "open" });
  source.onerror = () => broadcast({ type: source.readyState === EventSource.CLOSED ? "closed" : "retrying" });
  for (const name of NAMES) source.addEventListener(name, (event) => broadcast({ type: "event", name, data: event.data }));
}

function close() {
  if (source) source.close();
  source = null;
}

self.onconnect = (connection) => {
  const port = connection.ports[0];
  ports.add(port);
  port.onmessage = ({ data }) => {
    if (data === "start") { ports.add(port); open(); }
    else if (data === "restart") { ports.add(port); close(); open(); }
    else if (data === "leave") {
      ports.delete(port);
      if (!ports.size) close();
    }
  };
  port.start();
  if (source && source.readyState === EventSource.OPEN) port.postMessage({ type: "open" });
};
