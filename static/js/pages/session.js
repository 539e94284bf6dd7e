// Signing in, and choosing a password (forced after a password somebody else set, or by choice).
import { el, toast } from "../dom.js";
import { api, remember } from "../http.js";

/// The sign-in form; `signedIn()` runs after a successful sign-in. A wrong password keeps the name and says so.
export function signInPage(message, signedIn) {
  const error = el("p", { class: "error", role: "alert" }, message || "");
  const name = el("input", { id: "name", name: "name", autocomplete: "username", required: true });
  const password = el("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = el("form", { class: "narrow", onsubmit: async (event) => {
    event.preventDefault();
    try {
      const session = await api("POST", "/api/v1/session", { name: name.value, password: password.value }, { signingIn: true });
      remember(session.csrfToken);
      await signedIn();
    } catch (failure) {
      error.textContent = failure.message;
      password.value = "";
      password.focus();
    }
  } }, el("h1", {}, "Sign in"), el("label", { for: "name" }, "Name"), name,
  el("label", { for: "password" }, "Password"), password, el("p", {}, el("button", { type: "submit" }, "Sign in")), error);
  return { title: "Sign in", nodes: [form], focus: name, live: false };
}

export function passwordPage(forced, changed) {
  const message = el("p", { class: "error", role: "alert" });
  const input = (id, label, autocomplete) => [el("label", { for: id }, label), el("input", { id, name: id, type: "password", autocomplete, required: true, minlength: id === "current" ? undefined : 12 })];
  const form = el("form", { class: "narrow", onsubmit: async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const f = new FormData(form);
    if (f.get("new") !== f.get("again")) { message.textContent = "the two new passwords differ"; return; }
    try {
      // The change ends every session of this user, this one too: the answer carries the new one's CSRF token.
      const session = await api("POST", "/api/v1/session/password", { current: f.get("current"), new: f.get("new") });
      remember(session.csrfToken);
      toast("password changed");
      form.reset();
      await changed();
    } catch (error) { message.textContent = error.message; }
  } }, el("h1", {}, forced ? "Choose your password" : "Change your password"),
  forced ? el("p", {}, "The password you signed in with was set for you. Choose your own to go on.") : "",
  input("current", "Current password", "current-password"), input("new", "New password (12 characters or more)", "new-password"),
  input("again", "New password again", "new-password"), el("p", {}, el("button", { type: "submit" }, "Change password")), message);
  return { title: forced ? "Choose your password" : "Account", nodes: [form], focus: form.querySelector("input"), live: false };
}
