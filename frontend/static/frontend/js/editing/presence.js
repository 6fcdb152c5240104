// Who else edits the layer open in the editor, from the live map's socket (js/live/socket.js):
// a line over the map while others are there, gone when the editor is alone.
import { el } from "../dom.js";
import { m } from "./messages.js";

export class PresenceNote {
  constructor(host, socket) {
    this.element = el("p", { class: "gp-edit-presence", role: "status", "data-testid": "edit-presence" });
    host.append(this.element);
    this.socket = socket;
    this._onPresence = ({ detail }) => {
      if (detail.layer !== this.slug) return;
      this.element.textContent = detail.editors.length ? m("alsoEditing", { names: detail.editors.join("、") }) : "";
    };
    socket.addEventListener("presence", this._onPresence);
  }

  start(slug) {
    this.slug = slug;
    this.element.textContent = "";
    this.socket.edit(slug);
  }

  stop() {
    this.slug = null;
    this.element.textContent = "";
    this.socket.edit(null);
  }
}
