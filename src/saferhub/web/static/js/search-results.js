// Search results swapped in by HTMX get the same GOV.UK Frontend behaviour (tabs) as a page
// loaded whole; without JavaScript the form posts and the page comes back with both sections.
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

document.body.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target && target.id === "search-results") {
    initAll({ scope: target });
  }
});
