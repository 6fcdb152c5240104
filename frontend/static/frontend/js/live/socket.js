// The live map's WebSocket (layers/live/consumers.py): follows layers' changes and announces which
// layer this page edits. Reconnects with exponential backoff (with jitter, so that pages do not
// all come back at once after a restart) and, once connected again, repeats what it asked for.
// Events (addEventListener): "change" {layer, changes}, "presence" {layer, editors},
// "status" {connected}; `detail` carries the server's message.
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

// LIVE_URL (geoportal/settings.py): "/live/" on this origin, ":8001/live/" on this host, or ws(s)://…
export function liveUrl(setting, location = window.location) {
  if (/^wss?:\/\//.test(setting)) return setting;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  if (setting.startsWith(":")) return `${scheme}//${location.hostname}${setting}`;
  return `${scheme}//${location.host}${setting}`;
}

export class LiveSocket extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.following = [];
    this.editing = null;
    this.connected = false;
    this._delay = FIRST_DELAY_MS;
    this._closed = false;
    this._open();
  }

  follow(slugs) {
    this.following = [...slugs];
    this._send({ type: "follow", layers: this.following });
  }

  edit(slug) {
    this.editing = slug;
    this._send({ type: "edit", layer: slug });
  }

  close() {
    this._closed = true;
    clearTimeout(this._timer);
    this._ws?.close();
  }

  _send(message) {
    if (this._ws?.readyState === WebSocket.OPEN) this._ws.send(JSON.stringify(message));
  }

  _open() {
    const ws = new WebSocket(this.url);
    this._ws = ws;
    ws.addEventListener("open", () => {
      this._delay = FIRST_DELAY_MS;
      this.connected = true;
      if (this.following.length) this._send({ type: "follow", layers: this.following });
      if (this.editing) this._send({ type: "edit", layer: this.editing });
      this.dispatchEvent(new CustomEvent("status", { detail: { connected: true } }));
    });
    ws.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
    });
    ws.addEventListener("close", () => {
      if (this._ws !== ws) return;
      if (this.connected) this.dispatchEvent(new CustomEvent("status", { detail: { connected: false } }));
      this.connected = false;
      if (this._closed) return;
      const delay = this._delay * (0.75 + Math.random() / 2);
      this._delay = Math.min(this._delay * 2, MAX_DELAY_MS);
      this._timer = setTimeout(() => this._open(), delay);
    });
  }
}
