// RedCore's /docs page: Swagger UI (vendored beside this file by scripts/vendor-swagger-ui) on the
// server's own OpenAPI document. A file rather than an inline script, so the page's
// Content-Security-Policy allows scripts from this server only.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // no call to swagger.io: the page works offline
    tryItOutEnabled: false,
    persistAuthorization: false, // an API key typed here is not kept in the browser's storage
  });
});
