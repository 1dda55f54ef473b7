// A select marked data-autosubmit sends its form when changed (the organization switcher).
// A file, not an onchange attribute: the Content-Security-Policy allows no inline script.
// Without JavaScript the form's <noscript> button does the same.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});
