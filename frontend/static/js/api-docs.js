// Starts Swagger UI on /docs (the CSP forbids inline scripts, so this lives in a file).
window.addEventListener("DOMContentLoaded", function () {
  if (typeof SwaggerUIBundle !== "function") return;
  SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: false });
});
