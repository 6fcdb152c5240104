// The layer panel on narrow screens: hidden behind a button, closed again by a tap on the map.
const NARROW = window.matchMedia("(max-width: 600px)");

export function init(app) {
  const panel = document.getElementById("gp-panel");
  const toggle = document.getElementById("gp-panel-toggle");
  const setOpen = (open) => {
    panel.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open || !NARROW.matches));
  };
  toggle.addEventListener("click", () => setOpen(!panel.classList.contains("open")));
  app.map.on("click", () => setOpen(false));
  NARROW.addEventListener("change", () => setOpen(false));
  setOpen(false);
}
