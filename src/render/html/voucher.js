// The voucher form: the running 借贷差额 under the lines, as each amount is typed. The server
// checks the balance again when the draft is saved; this only shows it early.
(function () {
  var form = document.getElementById("voucher-form");
  var shown = document.getElementById("difference");
  if (!form || !shown) return;
  function fen(text) {
    var t = (text || "").trim();
    if (!/^-?\d+(\.\d{1,2})?$/.test(t)) return t === "" ? 0 : NaN;
    var parts = t.replace("-", "").split(".");
    var value = parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
    return t.charAt(0) === "-" ? -value : value;
  }
  function yuan(f) {
    var s = String(Math.abs(f));
    while (s.length < 3) s = "0" + s;
    return (f < 0 ? "-" : "") + s.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + s.slice(-2);
  }
  function update() {
    var debit = 0, credit = 0, bad = false;
    form.querySelectorAll("input[name^=debit]").forEach(function (i) { var f = fen(i.value); if (isNaN(f)) bad = true; else debit += f; });
    form.querySelectorAll("input[name^=credit]").forEach(function (i) { var f = fen(i.value); if (isNaN(f)) bad = true; else credit += f; });
    if (bad) { shown.textContent = "有金额无法识别"; return; }
    var d = debit - credit;
    shown.textContent = d === 0 ? "平衡（借贷合计 " + yuan(debit) + "）" : yuan(d) + "（借方合计 " + yuan(debit) + "，贷方合计 " + yuan(credit) + "）";
    shown.className = d === 0 ? "num" : "num error";
  }
  form.addEventListener("input", update);
  update();
})();
