// The editing API over fetch: JSON in and out, the session's CSRF token on every write.
function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function call(method, url, body, headers = {}) {
  const options = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (method !== "GET") {
    options.headers["X-CSRFToken"] = csrfToken();
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body ?? {});
  }
  const response = await fetch(url, options);
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : {};
  return { ok: response.ok, status: response.status, data };
}

export function editUrl(slug, ...parts) {
  return ["/api/edit/layers", slug, ...parts].join("/") + "/";
}
