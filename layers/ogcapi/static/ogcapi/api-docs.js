// Swagger UI over this API's OpenAPI definition, from local static files.
window.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: element.dataset.specUrl, domNode: element });
});
