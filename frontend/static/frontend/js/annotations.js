// "Report a problem": draw a pin, line or area with Leaflet-Geoman, fill a short form, receive a
// tracking number. Everything typed by people is shown through textContent (see dom.js).
import { csrfToken } from "./csrf.js";
import { el } from "./dom.js";
import { feedbackRenderer } from "./feedbacklayer.js";
import { language, pick } from "./i18n.js";
import { initSuggestions } from "./suggest.js";

const TEXT = {
  zh: {
    report: "反映问题", point: "标点", line: "画线", area: "画面", cancel: "取消",
    hint: "请在地图上标出问题位置", category: "类别", description: "问题描述", photos: "照片（最多三张）",
    name: "姓名（选填，不公开）", contact: "电话或邮箱（选填，不公开）",
    consent: "我同意平台处理本次反映的信息", submit: "提交", sending: "正在提交…",
    done: "已受理，受理编号：", follow: "查看办理进度", secret: "补充说明专用链接（请妥善保存，勿分享）：",
    duplicate: "附近已有相同问题的反映，您可以关注该反映：", anyway: "不是同一问题，继续提交", close: "关闭",
    editing: "请先结束编辑，再反映问题。",
  },
  en: {
    report: "Report a problem", point: "Pin", line: "Line", area: "Area", cancel: "Cancel",
    hint: "Mark the place on the map", category: "Category", description: "What is wrong?",
    photos: "Photos (up to three)", name: "Name (optional, never shown)",
    contact: "Phone or e-mail (optional, never shown)", consent: "I agree to the processing of this report",
    submit: "Send", sending: "Sending…", done: "Received. Your tracking number:", follow: "Follow it",
    secret: "Your private link for follow-ups (keep it, do not share):",
    duplicate: "This looks already reported nearby — follow it instead:", anyway: "It is a different problem, send",
    close: "Close", editing: "Finish editing before reporting a problem.",
  },
};
const tr = (key) => (TEXT[language()] || TEXT.zh)[key];
const SHAPES = { point: "Marker", line: "Line", area: "Polygon" };
const MAX_TEXT = 2000;

class ReportControl extends L.Control {
  constructor(onStart) {
    super({ position: "topleft" });
    this._onStart = onStart;
  }

  onAdd() {
    const buttons = Object.keys(SHAPES).map((shape) =>
      el("button", { type: "button", "data-testid": `report-${shape}`, text: tr(shape),
        onclick: () => this._onStart(shape) }),
    );
    this._container = el("div", { class: "leaflet-bar gp-report-control" }, [
      el("strong", { text: tr("report") }), ...buttons,
    ]);
    L.DomEvent.disableClickPropagation(this._container);
    return this._container;
  }
}

function field(label, input) {
  return el("label", { class: "gp-report-field" }, [el("span", { text: label }), input]);
}

function buildForm(categories) {
  return el("form", { class: "gp-report-form", "data-testid": "report-form" }, [
    field(tr("category"), el("select", { name: "category", required: "required" },
      categories.map((c) => el("option", { value: c.code, text: `${c.icon} ${pick(c.name_zh, c.name_en)}` })))),
    field(tr("description"), el("textarea", { name: "description", required: "required", maxlength: MAX_TEXT })),
    field(tr("photos"), el("input", { type: "file", name: "photos", accept: "image/jpeg,image/png,image/webp",
      multiple: "multiple" })),
    field(tr("name"), el("input", { name: "name", maxlength: 80, autocomplete: "name" })),
    field(tr("contact"), el("input", { name: "contact", maxlength: 120 })),
    // Honeypot: hidden from people and assistive technology; bots fill it.
    el("div", { class: "gp-hp", "aria-hidden": "true" }, [
      el("input", { name: "website", tabindex: "-1", autocomplete: "off" }),
    ]),
    el("label", { class: "gp-report-consent" }, [
      el("input", { type: "checkbox", name: "consent", value: "1", required: "required" }), tr("consent"),
    ]),
    el("div", { class: "gp-report-actions" }, [
      el("button", { type: "submit", "data-testid": "report-submit", text: tr("submit") }),
      el("button", { type: "button", class: "gp-report-cancel", text: tr("cancel") }),
    ]),
    el("div", { class: "gp-report-message", role: "status", "aria-live": "polite" }),
  ]);
}

export function initReporting(map, { categoriesUrl = "/api/annotations/categories/", submitUrl = "/api/annotations/" } = {}) {
  const panel = el("section", { class: "gp-report-panel", hidden: "hidden", "aria-label": tr("report") });
  map.getContainer().parentElement.append(panel);
  let drawn = null;
  let categories = null;
  let drawing = false; // the next shape Geoman creates is this report's

  const setDrawing = (on) => {
    drawing = on;
    // While placing a report, shapes and markers of other layers must not swallow the clicks.
    map.getContainer().classList.toggle("gp-reporting", on);
  };

  const reset = () => {
    setDrawing(false);
    map.pm.disableDraw();
    drawn?.remove();
    drawn = null;
    panel.hidden = true;
    panel.replaceChildren();
  };

  const showMessage = (form, nodes) => form.querySelector(".gp-report-message").replaceChildren(...nodes);

  async function send(form, confirmNew) {
    const body = new FormData(form);
    body.set("geometry", JSON.stringify(drawn.toGeoJSON().geometry));
    if (confirmNew) body.set("confirm_new", "1");
    showMessage(form, [tr("sending")]);
    const response = await fetch(submitUrl, { method: "POST", body, headers: { "X-CSRFToken": csrfToken() } });
    const data = await response.json();
    if (response.status === 201) {
      form.replaceChildren(el("div", { class: "gp-report-done", "data-testid": "report-done" }, [
        el("p", { text: tr("done") }),
        el("p", { class: "gp-tracking", "data-testid": "report-tracking", text: data.tracking_number }),
        el("p", {}, [el("a", { href: data.track_url, "data-testid": "report-track-link", text: tr("follow") })]),
        el("p", { class: "gp-secret" }, [tr("secret"), el("br"), el("a", { href: data.follow_up_url,
          text: data.follow_up_url })]),
        el("button", { type: "button", text: tr("close"), onclick: reset }),
      ]));
      drawn?.remove();
      drawn = null;
    } else if (response.status === 409) {
      showMessage(form, [
        el("p", { text: tr("duplicate") }),
        el("ul", {}, data.duplicates.map((d) => el("li", {}, [el("a", { href: d.track_url, text: d.tracking_number })]))),
        el("button", { type: "button", "data-testid": "report-anyway", text: tr("anyway"),
          onclick: () => send(form, true) }),
      ]);
    } else {
      showMessage(form, [el("p", { class: "gp-error", text: data.error || `HTTP ${response.status}` })]);
    }
  }

  async function openForm() {
    categories = categories || (await (await fetch(categoriesUrl)).json()).categories;
    const form = buildForm(categories);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const files = form.elements.photos.files;
      if (files.length > 3) {
        showMessage(form, [el("p", { class: "gp-error", text: tr("photos") })]);
        return;
      }
      send(form, false);
    });
    form.querySelector(".gp-report-cancel").addEventListener("click", reset);
    panel.replaceChildren(el("h2", { text: tr("report") }), form);
  }

  map.on("pm:create", ({ layer }) => {
    if (!drawing) return;
    setDrawing(false);
    drawn = layer;
    openForm();
  });

  new ReportControl((shape) => {
    reset();
    panel.hidden = false;
    // A staff edit session draws with the same Geoman; its shapes must not become reports.
    if (map.pm.controlsVisible()) {
      panel.replaceChildren(el("p", { class: "gp-error", text: tr("editing") }),
        el("button", { type: "button", text: tr("close"), onclick: reset }));
      return;
    }
    panel.replaceChildren(el("p", { class: "gp-report-hint", text: tr("hint") }));
    setDrawing(true);
    map.pm.enableDraw(SHAPES[shape], { continueDrawing: false });
  }).addTo(map);
}

// The module's hook into the map page (see main.js): the report control, the clustered feedback
// layer and suggest-a-correction on popups.
export function init(app) {
  app.layers.renderers.unshift(feedbackRenderer);
  initReporting(app.map);
  initSuggestions(app.map, app.layers);
}
