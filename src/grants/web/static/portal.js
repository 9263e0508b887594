// The portal's only script. Every page works without it; it adds:
// - focus on the error summary of a failed form, so a screen reader reads it first;
// - the code of an e-mail link (after "#token=", which no server ever sees) moved into the
//   form's code field, and removed from the address bar;
// - autosave of the proposal's steps a few seconds after the last change, with the same
//   version check as the "Speichern" button (a newer version elsewhere stops it, nothing
//   typed is lost);
// - live totals of the cost plan and the financing;
// - upload progress;
// - the ranking's what-if result while one types, and a letter batch's progress while it
//   runs (both asked for with "X-Fragment").
(function () {
  "use strict";

  var AUTOSAVE_DELAY_MS = 3000;
  var LIVE_DELAY_MS = 400;
  var POLL_DELAY_MS = 2000;

  function germanAmount(text) {
    var value = (text || "").replace(/\s|€/g, "");
    if (value.indexOf(",") >= 0 || /^[0-9]{1,3}(\.[0-9]{3})+$/.test(value)) {
      value = value.replace(/\./g, "").replace(",", ".");
    }
    var number = Number(value);
    return value === "" || isNaN(number) ? null : number;
  }

  var euro = new Intl.NumberFormat("de-DE", { style: "currency", currency: "EUR" });

  function liveTotals(form) {
    var output = form.querySelector("[data-total-of=cost]");
    if (!output) {
      return;
    }
    function sum(selector) {
      var total = 0;
      var fields = form.querySelectorAll(selector);
      for (var i = 0; i < fields.length; i++) {
        var amount = germanAmount(fields[i].value);
        if (amount !== null) {
          total += amount;
        }
      }
      return total;
    }
    function update() {
      var costs = sum("input[id^=cost-][id$=-amount]");
      var financing = sum("#requested_grant, #own_funds, #third_party_funds");
      var text = "Summe der Kosten: " + euro.format(costs) + ". Finanzierung: " +
        euro.format(financing);
      if (Math.abs(costs - financing) >= 0.005) {
        text += " – Differenz zu den Kosten: " + euro.format(financing - costs);
      } else {
        text += " – ausgeglichen";
      }
      output.textContent = text + ".";
    }
    form.addEventListener("input", update);
    update();
  }

  function autosave(form) {
    var status = form.querySelector("[data-autosave-status]");
    var version = form.querySelector("input[name=version]");
    if (!status || !version || !window.fetch) {
      return;
    }
    var timer = null;
    var inflight = false;
    var stopped = false;
    var waitingSubmit = null;

    function finished() {
      inflight = false;
      if (waitingSubmit) {
        var submitter = waitingSubmit;
        waitingSubmit = null;
        stopped = true;
        form.requestSubmit(submitter);
      }
    }

    function save() {
      timer = null;
      if (stopped) {
        return;
      }
      inflight = true;
      var data = new URLSearchParams(new FormData(form));
      data.set("aktion", "speichern");
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Autosave": "1", "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) {
          status.textContent = body.message || "";
          if (response.status === 200) {
            version.value = String(body.version);
          } else if (response.status === 409) {
            stopped = true;
          }
          finished();
        });
      }).catch(function () {
        status.textContent = "Nicht automatisch gespeichert (keine Verbindung). Ihre " +
          "Eingaben stehen weiter hier; speichern Sie später mit „Speichern“.";
        finished();
      });
    }

    function schedule() {
      if (stopped) {
        return;
      }
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(save, AUTOSAVE_DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function (event) {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      if (inflight) {
        // Let the autosave finish first: the button then posts the version it produced.
        event.preventDefault();
        waitingSubmit = event.submitter;
        return;
      }
      stopped = true;
    });
  }

  // A GET form whose result the server can render alone (the ranking's what-if): asked for
  // while one types, shown in place (an aria-live region), the address updated so the
  // scenario can be bookmarked. Without the script the form's button loads the whole page.
  function liveResult(form) {
    var targetId = form.getAttribute("data-live");
    if (!targetId || !window.fetch) {
      return;
    }
    var timer = null;
    var asked = 0;
    function ask() {
      timer = null;
      var query = new URLSearchParams(new FormData(form)).toString();
      var number = ++asked;
      fetch(form.action + "?" + query, {
        credentials: "same-origin",
        headers: { "X-Fragment": targetId }
      }).then(function (response) {
        return response.text();
      }).then(function (html) {
        var target = document.getElementById(targetId);
        if (number !== asked || !target) {
          return;  // an older answer arriving after a newer question
        }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#" + targetId);
        if (fresh) {
          target.innerHTML = fresh.innerHTML;
          window.history.replaceState(null, "", window.location.pathname + "?" + query);
        }
      }).catch(function () {});
    }
    form.addEventListener("input", function () {
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(ask, LIVE_DELAY_MS);
    });
  }

  // A region the server renders alone (a letter batch's progress): asked for again every
  // few seconds while it says it is not done (``data-poll``), replaced in place.
  function poll(region) {
    var id = region.id;
    if (!id || !window.fetch) {
      return;
    }
    window.setTimeout(function () {
      fetch(window.location.href, {
        credentials: "same-origin",
        headers: { "X-Fragment": id }
      }).then(function (response) {
        return response.text();
      }).then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#" + id);
        var current = document.getElementById(id);
        if (!fresh || !current) {
          return;
        }
        current.innerHTML = fresh.innerHTML;
        if (fresh.hasAttribute("data-poll")) {
          poll(current);
        } else {
          current.removeAttribute("data-poll");
        }
      }).catch(function () {});
    }, POLL_DELAY_MS);
  }

  function uploadWithProgress(form) {
    var progress = form.querySelector("progress");
    if (!progress || !window.XMLHttpRequest) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      progress.hidden = false;
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          progress.value = Math.round((100 * e.loaded) / e.total);
        }
      });
      request.addEventListener("load", function () {
        if (request.status < 300) {
          window.location.assign(request.responseURL);
        } else {
          // The refusal page, with what was wrong and what is allowed.
          document.open();
          document.write(request.responseText);
          document.close();
        }
      });
      request.addEventListener("error", function () {
        progress.hidden = true;
        form.submit();
      });
      request.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".portal-error-summary");
    if (summary) {
      summary.focus();
    }
    var match = /^#token=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
    var field = document.querySelector("input[data-token-from-fragment]");
    if (match && field) {
      if (!field.value) {
        field.value = match[1];
      }
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    var forms = document.querySelectorAll("form[data-autosave]");
    for (var i = 0; i < forms.length; i++) {
      autosave(forms[i]);
      liveTotals(forms[i]);
    }
    var live = document.querySelectorAll("form[data-live]");
    for (var k = 0; k < live.length; k++) {
      liveResult(live[k]);
    }
    var polled = document.querySelectorAll("[data-poll]");
    for (var m = 0; m < polled.length; m++) {
      poll(polled[m]);
    }
    var uploads = document.querySelectorAll("form[data-upload]");
    for (var j = 0; j < uploads.length; j++) {
      uploadWithProgress(uploads[j]);
    }
  });
})();
