// 返回 on an error page: the page before, as the browser's own back button would go. A script
// file of the site's own, because the site's Content-Security-Policy refuses inline script and
// javascript: links. Without script (or history) the link goes where its href says.
document.querySelectorAll("a[data-back]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
});
