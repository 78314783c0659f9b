// The status page of an export or import: ask the JSON status every second and move the
// progress bar, until the job has finished (then show the download link or the reason).
(function () {
  "use strict";
  var box = document.getElementById("transfer");
  if (!box) return;
  var bar = document.getElementById("transfer-progress");
  var percent = document.getElementById("transfer-percent");
  var state = document.getElementById("transfer-state");
  var message = document.getElementById("transfer-message");
  var download = document.getElementById("transfer-download");
  var url = box.getAttribute("data-status-url");

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + " %";
    percent.textContent = data.percent + " %";
    if (data.status === "queued") state.textContent = "Waiting to start…";
    else if (data.status === "running") state.textContent = "Working: " + data.done + " of " + data.total + " items.";
    else if (data.status === "done") state.textContent = "Finished.";
    else state.textContent = "Failed.";
    message.textContent = "";
    (data.message || "").split("\n").forEach(function (line) {
      if (!line) return;
      var p = document.createElement("p");
      p.textContent = line;
      message.appendChild(p);
    });
    if (data.status === "failed") {
      message.className = "flash flash-error";
      message.setAttribute("role", "alert");
    }
    download.hidden = !data.download;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) show(data);
        if (!data || (data.status !== "done" && data.status !== "failed")) setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
