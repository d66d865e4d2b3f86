// Swagger UI for /docs, served from the swagger-ui-bundle package (no CDN, no inline script)
window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout',
  });
});
