// Modal dialogs built on <dialog>: a confirmation, and a generic frame other modules fill.
import { el } from "../dom.js";
import { m } from "./messages.js";

export function modal(title, body, buttons, { testid = "" } = {}) {
  const dialog = el("dialog", { class: "gp-dialog", "data-testid": testid || null }, [
    el("h2", { text: title }),
    ...[].concat(body),
    el("div", { class: "gp-dialog-buttons" }, buttons),
  ]);
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
  return dialog;
}

export function confirmDialog(text) {
  return new Promise((resolve) => {
    let answer = false;
    const dialog = modal(m("delete"), el("p", { text }), [
      el("button", { type: "button", class: "gp-danger", "data-action": "confirm", text: m("confirm"),
        onclick: () => { answer = true; dialog.close(); } }),
      el("button", { type: "button", "data-action": "cancel", text: m("cancel"), onclick: () => dialog.close() }),
    ], { testid: "confirm" });
    dialog.addEventListener("close", () => resolve(answer));
  });
}
