// The page editor: live preview, word count, keyboard save, autosave, and image uploads.
// Everything is wired through data-* attributes: the dashboard runs under a CSP without inline JS.
(function () {
  "use strict";

  var AUTOSAVE_MS = 4000;
  var PREVIEW_MS = 350;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function postJSON(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.message || "The server answered " + response.status + ".");
        }
        return data;
      });
    });
  }

  function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function setUp(form) {
    var body = form.querySelector("[data-body]");
    var title = form.querySelector("[data-title]");
    var preview = form.querySelector("[data-preview]");
    var words = form.querySelector("[data-words]");
    var state = form.querySelector("[data-save-state]");
    var version = form.querySelector('input[name="version"]');
    var autosaveUrl = form.getAttribute("data-autosave-url");
    var previewUrl = form.getAttribute("data-preview-url");
    var uploadUrl = form.getAttribute("data-upload-url");
    var kind = form.getAttribute("data-kind") || "page";
    var dirty = false;
    var saving = false;
    var submitting = false;
    var previewTimer = null;

    function say(text, tone) {
      if (!state) { return; }
      state.textContent = text;
      state.setAttribute("data-tone", tone || "");
    }

    function countWords() {
      var n = body.value.trim() ? body.value.trim().split(/\s+/).length : 0;
      if (words) { words.textContent = plural(n, "word"); }
    }

    function refreshPreview() {
      if (!preview || !previewUrl) { return; }
      postJSON(previewUrl, { body: body.value }).then(function (data) {
        // The server renders and sanitizes with the same code the site uses.
        preview.innerHTML = data.html;
        if (words && typeof data.words === "number") { words.textContent = plural(data.words, "word"); }
      }).catch(function (error) {
        preview.textContent = error.message;
      });
    }

    function changed() {
      dirty = true;
      countWords();
      say("Unsaved changes", "pending");
      window.clearTimeout(previewTimer);
      previewTimer = window.setTimeout(refreshPreview, PREVIEW_MS);
    }

    function autosave() {
      if (!dirty || saving || submitting || !autosaveUrl) { return; }
      if (!body.value.trim() && !(title && title.value.trim())) { return; }
      saving = true;
      dirty = false;
      say("Saving draft…", "pending");
      postJSON(autosaveUrl, { title: title ? title.value : "", body: body.value, kind: kind })
        .then(function (data) {
          if (data.edit_url && autosaveUrl !== data.autosave_url) {
            // A brand-new page now exists as a draft: keep editing it in place.
            autosaveUrl = data.autosave_url;
            form.setAttribute("action", data.edit_url);
            form.setAttribute("data-autosave-url", data.autosave_url);
            if (version) { version.value = data.version; }
            var submit = form.querySelector("[data-submit]");
            if (submit) { submit.textContent = "Save"; }
            if (window.history && window.history.replaceState) {
              window.history.replaceState(null, "", data.edit_url);
            }
          }
          say("Draft autosaved at " + clock(new Date()), "ok");
        })
        .catch(function (error) {
          dirty = true;
          say("Autosave failed: " + error.message, "error");
        })
        .then(function () { saving = false; });
    }

    function insertAtCursor(text) {
      var start = body.selectionStart;
      var end = body.selectionEnd;
      var before = body.value.slice(0, start);
      var glue = before && !/\n$/.test(before) ? "\n" : "";
      body.value = before + glue + text + "\n" + body.value.slice(end);
      var caret = (before + glue + text + "\n").length;
      body.setSelectionRange(caret, caret);
      body.focus();
      changed();
    }

    function upload(files) {
      if (!uploadUrl || !files || !files.length) { return; }
      var data = new FormData();
      for (var i = 0; i < files.length; i++) { data.append("file", files[i]); }
      say("Uploading " + plural(files.length, "file") + "…", "pending");
      fetch(uploadUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
        body: data
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (!response.ok) { throw new Error(json.message || "Upload refused (" + response.status + ")."); }
          return json;
        });
      }).then(function (json) {
        var markdown = (json.files || []).map(function (f) { return f.markdown; }).join("\n");
        if (markdown) { insertAtCursor(markdown); }
        say("Uploaded " + plural((json.files || []).length, "file"), "ok");
      }).catch(function (error) {
        say(error.message, "error");
      });
    }

    // "?saved=1" shows the saved text over an autosave once; a reopened tab must not keep it.
    if (/[?&]saved=1/.test(window.location.search) && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname);
    }

    body.addEventListener("input", changed);
    if (title) { title.addEventListener("input", changed); }
    countWords();
    if (preview && !preview.innerHTML.trim() && body.value.trim()) { refreshPreview(); }
    window.setInterval(autosave, AUTOSAVE_MS);
    setUpLayout(form, refreshPreview);

    form.addEventListener("submit", function () {
      submitting = true;
      dirty = false;
      say("Saving…", "pending");
    });

    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "S")) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });

    window.addEventListener("beforeunload", function (event) {
      if (dirty && !submitting) {
        autosave();
        event.preventDefault();
        event.returnValue = "";
      }
    });

    if (uploadUrl) {
      body.addEventListener("dragover", function (event) {
        event.preventDefault();
        body.classList.add("dropping");
      });
      body.addEventListener("dragleave", function () { body.classList.remove("dropping"); });
      body.addEventListener("drop", function (event) {
        event.preventDefault();
        body.classList.remove("dropping");
        if (event.dataTransfer && event.dataTransfer.files.length) { upload(event.dataTransfer.files); }
      });
      var picker = form.querySelector("[data-upload-input]");
      if (picker) {
        picker.addEventListener("change", function () {
          upload(picker.files);
          picker.value = "";
        });
      }
    }
  }

  // Narrow screens: Write and Preview become two tabs (WAI-ARIA tabs: arrows move between
  // them), and the details panel starts folded; wide screens show both panes and the panel.
  var NARROW = "(max-width: 900px)";

  function setUpLayout(form, refreshPreview) {
    var tablist = form.querySelector("[data-pane-tabs]");
    var panes = form.querySelector("[data-panes]");
    var panel = form.querySelector("[data-meta-panel]");
    var narrow = window.matchMedia ? window.matchMedia(NARROW) : null;
    if (panel && !(narrow && narrow.matches)) { panel.open = true; }
    if (!tablist || !panes || !narrow) { return; }
    var tabs = tablist.querySelectorAll("[role=tab]");

    function show(name, focus) {
      for (var i = 0; i < tabs.length; i++) {
        var selected = tabs[i].getAttribute("data-tab") === name;
        tabs[i].setAttribute("aria-selected", selected ? "true" : "false");
        tabs[i].tabIndex = selected ? 0 : -1;
        if (selected && focus) { tabs[i].focus(); }
      }
      panes.setAttribute("data-showing", name);
      if (name === "preview") { refreshPreview(); }
    }

    function apply() {
      var paneEls = panes.querySelectorAll("[data-pane]");
      for (var i = 0; i < paneEls.length; i++) {
        var id = "tab-" + paneEls[i].getAttribute("data-pane");
        if (narrow.matches) {
          paneEls[i].setAttribute("role", "tabpanel");
          paneEls[i].setAttribute("aria-labelledby", id);
        } else {
          paneEls[i].removeAttribute("role");
          paneEls[i].removeAttribute("aria-labelledby");
        }
      }
      tablist.hidden = !narrow.matches;
      if (narrow.matches) {
        show(panes.getAttribute("data-showing") || "write", false);
      } else {
        panes.removeAttribute("data-showing");
      }
    }

    for (var i = 0; i < tabs.length; i++) {
      tabs[i].addEventListener("click", function (event) {
        show(event.currentTarget.getAttribute("data-tab"), true);
      });
    }
    tablist.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight" && event.key !== "Home" && event.key !== "End") { return; }
      event.preventDefault();
      var current = panes.getAttribute("data-showing") === "preview" ? 1 : 0;
      var next = event.key === "Home" ? 0 : event.key === "End" ? tabs.length - 1 : (current + 1) % tabs.length;
      show(tabs[next].getAttribute("data-tab"), true);
    });
    if (narrow.addEventListener) { narrow.addEventListener("change", apply); }
    apply();
  }

  function ready() {
    var forms = document.querySelectorAll("form[data-editor]");
    for (var i = 0; i < forms.length; i++) { setUp(forms[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
