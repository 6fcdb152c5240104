// Keep the current view when leaving the page for the language switch or the login form: their
// "next" targets get the current path and hash (the hash never reaches the server otherwise).
function here() {
  return `${window.location.pathname}${window.location.search}${window.location.hash}`;
}

export function init() {
  document.addEventListener("submit", (event) => {
    const next = event.target.querySelector("input[name=next][data-keep-view]");
    if (next) next.value = here();
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-keep-view]");
    if (!link) return;
    const url = new URL(link.href);
    url.searchParams.set("next", here());
    link.href = url.toString();
  });
}
