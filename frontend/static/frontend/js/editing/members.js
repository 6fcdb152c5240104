// A department manager's list of the department's people: make someone an editor, or take it back.
import { el } from "../dom.js";
import { call } from "./api.js";
import { modal } from "./dialog.js";
import { m } from "./messages.js";

export function openMembers() {
  const list = el("tbody", {});
  const error = el("p", { class: "gp-form-error", role: "alert" });
  const username = el("input", { name: "username", placeholder: m("username"), size: "12" });
  const render = (members) => list.replaceChildren(...members.map((member) => el("tr", { "data-user": member.username }, [
    el("td", { text: member.username }), el("td", { text: member.name }), el("td", { text: m("roles")[member.role] || member.role }),
    el("td", {}, member.role === "editor"
      ? el("button", { type: "button", text: m("removeEditor"), onclick: () => change(member.username, "public") })
      : null),
  ])));
  const change = async (name, role) => {
    const { ok, data } = await call("POST", "/api/edit/members/", { username: name, role });
    error.textContent = ok ? "" : data.error;
    if (ok) render(data.members);
  };
  const dialog = modal(m("members"), [
    el("table", { class: "gp-conflict-table" }, list),
    el("div", { class: "gp-buttons" }, [username,
      el("button", { type: "button", "data-action": "add-editor", text: m("addEditor"),
        onclick: () => change(username.value.trim(), "editor") })]),
    error,
  ], [el("button", { type: "button", text: m("close"), onclick: () => dialog.close() })], { testid: "members" });
  call("GET", "/api/edit/members/").then(({ ok, data }) => ok && render(data.members));
  return dialog;
}
