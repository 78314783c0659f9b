// The account's time zone, learned once from the browser: while the account has none (the
// page says so with data-time-zone-unset), send the zone the browser runs in. The server keeps
// it only while none is set, so a zone chosen on the account page is never replaced.
(function () {
  "use strict";

  function ready() {
    var body = document.body;
    if (!body || !body.hasAttribute("data-time-zone-unset") || !window.Intl || !window.fetch) { return; }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var url = body.getAttribute("data-time-zone-url");
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (!zone || !url || !meta) { return; }
    // A zone the server does not list is refused once; the account page is the way then.
    var refused = "sitemaker.time-zone-refused";
    try { if (window.sessionStorage.getItem(refused) === zone) { return; } } catch (e) { /* private mode */ }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": meta.getAttribute("content")
      },
      body: JSON.stringify({ time_zone: zone })
    }).then(function (response) {
      if (response.ok) {
        body.removeAttribute("data-time-zone-unset");
      } else if (response.status === 400) {
        try { window.sessionStorage.setItem(refused, zone); } catch (e) { /* private mode */ }
      }
    }).catch(function () { /* next page load tries again */ });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
