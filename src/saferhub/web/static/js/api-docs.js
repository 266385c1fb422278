// The API documentation page: Swagger UI from SaferHub's own copy, reading /api/openapi.json.
window.SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui" });
