// Start Swagger UI on the OpenAPI document (kept out of the page for the CSP).
window.addEventListener("load", function () {
  var el = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: el.dataset.specUrl, dom_id: "#swagger-ui" });
});
