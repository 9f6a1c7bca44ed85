// The till (household page): the amount follows the ticked bills, less the household's 预收
// that a payment applies first; with none ticked, everything open. The 交易单号 field shows
// for the methods that have one.
(function () {
  var form = document.getElementById("pay");
  var amount = document.getElementById("amount");
  if (!form || !amount) return;
  var prepaid = parseInt(form.getAttribute("data-prepaid-fen") || "0", 10);
  var boxes = form.querySelectorAll("input[name=bill]");
  function yuan(fen) {
    var s = String(Math.abs(fen));
    while (s.length < 3) s = "0" + s;
    return (fen < 0 ? "-" : "") + s.slice(0, -2) + "." + s.slice(-2);
  }
  function follow() {
    var ticked = 0, all = 0, any = false;
    boxes.forEach(function (b) {
      var fen = parseInt(b.getAttribute("data-open-fen"), 10);
      all += fen;
      if (b.checked) { ticked += fen; any = true; }
    });
    var due = Math.max((any ? ticked : all) - prepaid, 0);
    amount.value = due > 0 ? yuan(due) : "";
  }
  boxes.forEach(function (b) { b.addEventListener("change", follow); });
  var method = document.getElementById("method");
  var reference = document.getElementById("reference-field");
  function show() { if (reference) reference.hidden = method.value === "cash"; }
  if (method) { method.addEventListener("change", show); show(); }
})();
