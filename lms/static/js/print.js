// Show the "Print this page" buttons (hidden without JavaScript) and make them print.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
