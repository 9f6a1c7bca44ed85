// The site's own script, as its Content-Security-Policy allows (no inline script, no
// javascript: links). Without script each control still works; it only asks less.
//
// 返回 on an error page: the page before, as the browser's own back button would go; without
// history the link goes where its href says.
document.querySelectorAll("a[data-back]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
});
// A button or form with data-confirm asks before it submits (本月结账, 确认计费并记账, 停用).
document.querySelectorAll("button[data-confirm]").forEach(function (button) {
  button.addEventListener("click", function (event) {
    if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
});
document.querySelectorAll("form[data-confirm]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });
});
