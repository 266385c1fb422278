// SaferHub's page start-up: GOV.UK Frontend components, and the CSRF token on every
// HTMX request (from the page's meta tag), so no script is written inline.
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

const csrf = document.querySelector('meta[name="csrf-token"]');
if (csrf) {
  document.body.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRF-Token"] = csrf.getAttribute("content");
  });
}
