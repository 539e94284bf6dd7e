// The trigger form's fields: each param with the widget its type calls for, prefilled with its default.
import { el } from "../dom.js";

/// One param: its nodes, and `read(form)`, the value to send, typed as the API expects (a boolean, a number), or
/// undefined to let the default stand. Values are read from the live form, never from nodes captured here.
export function paramField(param) {
  const id = `param-${param.name}`;
  const error = el("span", { class: "error field-error", id: `${id}-error`, role: "alert" });
  const common = { id, name: param.name, "aria-describedby": `${id}-error` };
  let input;
  let read;
  if (param.allowed) {
    input = el("select", common, param.allowed.map((choice, index) => el("option", { value: String(index), selected: choice === param.defaultValue }, String(choice))));
    read = (field) => param.allowed[Number(field.value)];
  } else if (param.type === "boolean") {
    input = el("input", { ...common, type: "checkbox", checked: param.defaultValue === true });
    read = (field) => field.checked;
  } else if (param.type === "integer" || param.type === "number") {
    input = el("input", { ...common, type: "number", step: param.type === "integer" ? "1" : "any", value: param.defaultValue ?? "", required: param.defaultValue == null });
    read = (field) => (field.value === "" ? undefined : Number(field.value));
  } else {
    input = el("input", { ...common, type: param.type === "date" ? "date" : "text", value: param.defaultValue ?? "", required: param.defaultValue == null });
    read = (field) => (field.value === "" && param.defaultValue != null ? undefined : field.value);
  }
  const text = `${param.name} (${param.type})${param.description ? ": " + param.description : ""}`;
  const nodes = param.type === "boolean" && !param.allowed
    ? [el("label", { for: id, class: "check" }, input, ` ${text}`), error]
    : [el("label", { for: id }, text), input, error];
  return { param, nodes, read: (form) => read(form.elements.namedItem(param.name)), error: (form) => form.querySelector(`#${CSS.escape(id)}-error`) };
}
