// Polls the session's status and, once there is a decision, shows it in place (no reload):
// the label, the decision text, the reasons in plain words; the QR section goes away.
// Text is set with textContent only. Without JavaScript the page refreshes itself instead.
(function () {
  var box = document.getElementById("status");
  if (!box || box.dataset.final === "true") return;
  var url = "/onboarding/" + box.dataset.session + "/status?lang=" + encodeURIComponent(box.dataset.lang);

  function show(s) {
    document.getElementById("decision-text").textContent = s.message || "";
    var list = document.getElementById("reasons");
    list.textContent = "";
    (s.reasons || []).forEach(function (r) {
      var item = document.createElement("li");
      var code = document.createElement("code");
      item.dataset.code = r.code;
      code.textContent = r.code;
      item.append(r.text + " ", code);
      list.appendChild(item);
    });
    document.getElementById("reasons-title").hidden = list.children.length === 0;
    var request = document.getElementById("request");
    if (request) request.remove();
    document.getElementById("decision").hidden = false;
    box.dataset.final = "true";
  }

  function poll() {
    fetch(url, {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      var label = document.getElementById("status-label");
      label.textContent = s.label;
      label.className = "status status-" + s.status;
      if (s.final) { show(s); return; }
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 4000); });
  }
  setTimeout(poll, 1000);
})();
