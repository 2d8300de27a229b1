// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // The language switch changes as soon as a language is picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("button");
    if (button) { button.hidden = true; }
  });
  // Fields with errors point assistive technology at their messages.
  document.querySelectorAll(".field.invalid").forEach(function (field) {
    var input = field.querySelector("input, select, textarea");
    var errors = field.querySelector(".errors");
    if (input && errors) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", errors.id);
    }
  });
  // htmx sends the CSRF token on every request it makes.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
  });
});
