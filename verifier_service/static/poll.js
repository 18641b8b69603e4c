// Polls the session's status and reloads the page once a decision is there. Nothing else.
(function () {
  var box = document.getElementById("status");
  if (!box || box.dataset.final === "true") return;
  var url = "/onboarding/" + box.dataset.session + "/status?lang=" + encodeURIComponent(box.dataset.lang);
  function poll() {
    fetch(url, {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      document.getElementById("status-label").textContent = s.label;
      if (s.status !== "pending" && s.status !== "processing") { window.location.reload(); return; }
      setTimeout(poll, 1500);
    }).catch(function () { setTimeout(poll, 4000); });
  }
  setTimeout(poll, 1500);
})();
