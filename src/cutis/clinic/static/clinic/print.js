// A button marked data-print opens the browser's print dialogue (kept out of the page: the
// Content-Security-Policy allows no inline script).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
