// Users and API tokens, for admins: roles, disabling, password resets, tokens with scope and expiry.
import { el, table, when, toast } from "../dom.js";
import { api, hooks, path } from "../http.js";

const ROLES = ["viewer", "operator", "admin", "auditor"];

export async function adminPage() {
  const [users, tokens] = await Promise.all([api("GET", "/api/v1/users"), api("GET", "/api/v1/tokens")]);
  const roleSelect = (id) => el("select", { id, name: "role" }, ROLES.map((role) => el("option", {}, role)));
  const secret = el("p", { role: "status", id: "token-secret" });
  const userForm = el("form", { onsubmit: (event) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    hooks.act("create user", () => api("POST", "/api/v1/users", { name: f.get("name"), role: f.get("role"), password: f.get("password") }));
  } }, el("h2", {}, "New user"), el("label", { for: "user-name" }, "Name"), el("input", { id: "user-name", name: "name", required: true }),
  el("label", { for: "user-role" }, "Role"), roleSelect("user-role"), el("label", { for: "user-password" }, "Password (12 characters or more)"),
  el("input", { id: "user-password", name: "password", type: "password", minlength: 12, required: true, autocomplete: "new-password" }), el("p", {}, el("button", { type: "submit" }, "Create user")));
  const tokenForm = el("form", { onsubmit: async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const f = new FormData(form);
    try {
      const pipelines = f.get("pipelines").split(",").map((p) => p.trim()).filter(Boolean);
      const token = await api("POST", "/api/v1/tokens", { name: f.get("name"), role: f.get("role"), pipelines: pipelines.length ? pipelines : undefined, expiresInDays: Number(f.get("days")) || undefined });
      // The list is drawn again with the new token in it; its secret is shown once, under the form.
      await hooks.refresh();
      document.getElementById("token-secret").textContent = `Token ${token.name}: ${token.token} (copy it now: it is not shown again)`;
      form.reset();
    } catch (error) { toast(error.message); }
  } }, el("h2", {}, "New API token"), el("label", { for: "token-name" }, "Name"), el("input", { id: "token-name", name: "name", required: true }),
  el("label", { for: "token-role" }, "Role"), roleSelect("token-role"), el("label", { for: "token-pipelines" }, "Pipelines (comma-separated; empty for all)"),
  el("input", { id: "token-pipelines", name: "pipelines" }), el("label", { for: "token-days" }, "Expires in days (empty: 90)"),
  el("input", { id: "token-days", name: "days", type: "number", min: 1 }), el("p", {}, el("button", { type: "submit" }, "Create token")), secret);
  const userRows = users.items.map((u) => {
    const select = el("select", { "aria-label": `role of ${u.name}`, onchange: (event) => hooks.act("change role", () => api("PATCH", `/api/v1/users/${path(u.name)}`, { role: event.target.value })) },
      ROLES.map((role) => el("option", { selected: role === u.role }, role)));
    const reset = el("button", { type: "button", onclick: () => {
      const password = prompt(`A new password for ${u.name} (12 characters or more); they will choose their own at the next sign-in:`);
      if (password) hooks.act("reset password", () => api("PATCH", `/api/v1/users/${path(u.name)}`, { password }));
    } }, "Reset password");
    const toggle = el("button", { type: "button", onclick: () => hooks.act(u.disabled ? "enable" : "disable", () => api("PATCH", `/api/v1/users/${path(u.name)}`, { disabled: !u.disabled })) }, u.disabled ? "Enable" : "Disable");
    return el("tr", { "data-key": u.name }, el("td", {}, u.name), el("td", {}, select), el("td", {}, u.disabled ? "disabled" : u.mustChangePassword ? "must change password" : "active"), el("td", {}, toggle, " ", reset));
  });
  const tokenRows = tokens.items.map((t) => el("tr", { "data-key": String(t.id) }, el("td", {}, t.name), el("td", {}, t.role), el("td", {}, (t.pipelines || ["all"]).join(", ")), el("td", {}, when(t.expiresAt)),
    el("td", {}, t.revoked ? "revoked" : el("button", { type: "button", onclick: () => hooks.act("revoke", () => api("DELETE", `/api/v1/tokens/${t.id}`)) }, "Revoke"))));
  return {
    title: "Users and tokens",
    nodes: [el("h1", {}, "Users and tokens"), table(["User", "Role", "State", "Actions"], userRows), userForm,
      table(["Token", "Role", "Pipelines", "Expires", "Actions"], tokenRows), tokenForm],
    live: false,
  };
}
