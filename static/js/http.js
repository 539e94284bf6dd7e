// The daemon's API as the panel calls it: the session cookie, the session's CSRF token on every state-changing
// request, and a time limit on every request, so that no page waits for ever.

export const session = { csrf: sessionStorage.getItem("csrf"), me: null };

/// What signing in again must do; set by the shell (a 401 on any page shows the sign-in form).
export const hooks = { signedOut: () => {} };

export class SignInNeeded extends Error {
  constructor() { super("please sign in"); }
}

const LIMIT_MS = 15000;

/// `signingIn`: a 401 is the answer to show (wrong name or password), not a reason to show the sign-in form again.
export async function api(method, path, body, { signingIn = false } = {}) {
  const headers = { "Content-Type": "application/json" };
  if (method !== "GET" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", signal: AbortSignal.timeout(LIMIT_MS),
  }).catch((error) => {
    throw new Error(error.name === "TimeoutError" ? `the daemon did not answer within ${LIMIT_MS / 1000} s` : `the daemon cannot be reached (${error.message})`);
  });
  if (response.status === 401 && !signingIn) { hooks.signedOut(); throw new SignInNeeded(); }
  const text = await response.text();
  const data = text && (response.headers.get("Content-Type") || "").includes("json") ? JSON.parse(text) : text;
  if (!response.ok) throw new Error((data && data.error && data.error.message) || `${response.status} ${response.statusText}`);
  return data;
}

export function remember(csrf) {
  session.csrf = csrf;
  if (csrf) sessionStorage.setItem("csrf", csrf); else sessionStorage.removeItem("csrf");
}

const PERMISSIONS = { read: ["viewer", "operator", "admin", "auditor"], operate: ["operator", "admin"], administer: ["admin"], audit: ["auditor", "admin"] };

/// Whether the signed-in user's role allows `permission` (the daemon checks again; this only hides what it would refuse).
export const may = (permission) => Boolean(session.me) && PERMISSIONS[permission].includes(session.me.role);

export const path = (...segments) => segments.map((segment) => encodeURIComponent(segment)).join("/");
