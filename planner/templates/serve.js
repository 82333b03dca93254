// planner serve: the what-if explorer's page. Every name from data goes into the page
// through textContent (never innerHTML), so no data name can run as markup or script.
(function () {
  "use strict";
  var state = { weights: {}, constraints: {}, seq: 0, shown: 0, scenario: null };
  var map = L.map("map", { worldCopyJump: true, preferCanvas: false }).setView([30, 60], 2);
  var centresLayer = L.layerGroup().addTo(map);
  var existingLayer = L.layerGroup().addTo(map);

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function num(x, d) { return x === null || x === undefined ? "n/a" : Number(x).toFixed(d); }

  function post(url, body) {
    return fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    });
  }

  function settings() { return { weights: state.weights, constraints: state.constraints }; }

  var timer = null;
  function replan() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () {
      var seq = ++state.seq;
      document.getElementById("busy").textContent = "re-planning...";
      post("api/plan", settings()).then(function (res) {
        if (seq < state.shown) return;  // an older answer arriving late
        state.shown = seq;
        document.getElementById("busy").textContent = "";
        if (!res.ok) { showError(res.data.error || ("error " + res.status)); return; }
        showPlan(res.data);
      }).catch(function (err) { showError("The server did not answer: " + err); });
    }, 120);
  }

  function showError(text) {
    var box = document.getElementById("error");
    box.textContent = text;
    box.hidden = false;
  }

  function showPlan(plan) {
    document.getElementById("error").hidden = true;
    var status = document.getElementById("status");
    status.textContent = plan.status + " - objective " + num(plan.objective, 4) + ", bound " +
      num(plan.bound, 4) + ", gap " + (plan.gap === null ? "n/a" : (100 * plan.gap).toFixed(2) + "%") +
      ", " + num(plan.solve_ms, 0) + " ms (" + plan.method + ")";
    status.className = plan.status === "optimal" ? "ok" : "warn";
    var conflict = document.getElementById("conflict");
    conflict.textContent = "";
    if (plan.status === "infeasible") {
      conflict.appendChild(el("strong", "No plan meets every constraint. "));
      conflict.appendChild(el("span", "Conflicting: " + (plan.conflicts.join(", ") || "not found") +
        (plan.must_relax.length ? ". Relax one of: " + plan.must_relax.join(", ") : "") + ". "));
      conflict.appendChild(el("span", plan.message));
    }
    var body = document.querySelector("#plan tbody");
    body.textContent = "";
    centresLayer.clearLayers();
    plan.centres.forEach(function (c, i) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-city-id", String(c.city_id));
      [i + 1, c.name + (c.kind ? " (" + c.kind.replace(/_/g, " ") + ")" : ""), c.iso3,
       num(c.score, 3), c.industries.join("; "),
       c.drivers.map(function (d) { return d.name; }).join("; ")].forEach(function (v) {
        tr.appendChild(el("td", v));
      });
      body.appendChild(tr);
      var tip = el("div");
      tip.appendChild(el("strong", c.name + " (" + c.iso3 + ")"));
      tip.appendChild(el("div", "score " + num(c.score, 3)));
      tip.appendChild(el("div", c.industries.join("; ")));
      L.circleMarker([c.lat, c.lon], { radius: 8, color: "#b30000", fillOpacity: 0.8, className: "centre" })
        .bindTooltip(tip).addTo(centresLayer);
    });
    var names = {};
    plan.centres.forEach(function (c) { names[c.city_id] = c.name; });
    var changes = document.getElementById("changes");
    changes.textContent = "";
    var base = state.scenario.plan;
    var baseNames = {};
    base.centres.forEach(function (c) { baseNames[c.city_id] = c.name; });
    if (!plan.added.length && !plan.removed.length) {
      changes.textContent = plan.status === "infeasible" ? "" : "Same centres as the scenario's own plan.";
    } else {
      changes.appendChild(el("div", "In: " + plan.added.map(function (i) { return names[i]; }).join(", ")));
      changes.appendChild(el("div", "Out: " + plan.removed.map(function (i) { return baseNames[i]; }).join(", ")));
    }
    document.getElementById("binding").textContent = plan.binding.join(", ");
  }

  function slider(parent, label, name, value, group) {
    var row = el("label", null, group ? "group" : "criterion");
    row.appendChild(el("span", label));
    var input = document.createElement("input");
    input.type = "range"; input.min = "0"; input.max = "1"; input.step = "0.01";
    input.value = String(value);
    input.setAttribute("data-weight", name);
    var out = el("output", Number(value).toFixed(2));
    input.addEventListener("input", function () {
      out.textContent = Number(input.value).toFixed(2);
      state.weights[name] = Number(input.value);
      replan();
    });
    row.appendChild(input);
    row.appendChild(out);
    parent.appendChild(row);
  }

  var LISTS = ["required_countries", "excluded_countries", "required_cities", "excluded_cities"];
  function constraintControl(parent, key, value) {
    var row = el("label", null, "constraint");
    row.appendChild(el("span", key));
    var input = document.createElement("input");
    var list = LISTS.indexOf(key) >= 0;
    input.type = list ? "text" : "number";
    if (!list) input.step = "any";
    input.value = value === undefined || value === null ? "" : (list ? value.join(", ") : String(value));
    input.setAttribute("data-constraint", key);
    input.addEventListener("change", function () {
      var text = input.value.trim();
      var v;
      if (text === "") v = list ? [] : null;
      else if (list) {
        v = text.split(/[\s,;]+/).filter(Boolean).map(function (t) {
          return key.indexOf("cities") >= 0 && /^-?\d+$/.test(t) ? Number(t) : t.toUpperCase();
        });
      } else v = Number(text);
      if (key === "n_new" && v !== null) state.constraints.n_centres = null;
      if (key === "n_centres" && v !== null) state.constraints.n_new = null;
      state.constraints[key] = v;
      replan();
    });
    row.appendChild(input);
    parent.appendChild(row);
  }

  function download(name, text) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/toml" }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  fetch("api/scenario").then(function (r) { return r.json(); }).then(function (sc) {
    state.scenario = sc;
    document.getElementById("title").textContent = sc.scenario.title;
    var box = document.getElementById("weights");
    sc.groups.forEach(function (g) {
      var set = el("fieldset");
      set.appendChild(el("legend", g.name));
      slider(set, "group weight", g.id, g.weight, true);
      sc.criteria.filter(function (c) { return c.group === g.id; }).forEach(function (c) {
        slider(set, c.name, c.id, c.weight, false);
      });
      box.appendChild(set);
    });
    var cbox = document.getElementById("constraints");
    sc.controls.forEach(function (key) { constraintControl(cbox, key, sc.constraints[key]); });
    (sc.existing || []).forEach(function (e) {
      if (e.lat === null || e.lon === null) return;
      var tip = el("div", e.name + " (existing)");
      L.circleMarker([e.lat, e.lon], { radius: 5, color: "#555", fillOpacity: 0.6, className: "existing" })
        .bindTooltip(tip).addTo(existingLayer);
    });
    fetch("api/countries").then(function (r) { return r.json(); }).then(function (geo) {
      L.geoJSON(geo, { style: { color: "#999", weight: 0.5, fillColor: "#eee", fillOpacity: 1 } })
        .addTo(map).bringToBack();
    });
    showPlan(sc.plan);
    document.getElementById("toml").addEventListener("click", function () {
      post("api/toml", settings()).then(function (res) {
        if (!res.ok) { showError(res.data.error); return; }
        download(res.data.filename, res.data.toml);
      });
    });
    document.getElementById("run").addEventListener("click", function () {
      var note = document.getElementById("runnote");
      note.textContent = "writing the run folder...";
      post("api/run", settings()).then(function (res) {
        if (!res.ok) { showError(res.data.error); note.textContent = ""; return; }
        note.textContent = "Wrote " + res.data.files.length + " files to " + res.data.folder;
      });
    });
    document.body.setAttribute("data-ready", "1");
  }).catch(function (err) { showError("Cannot read the scenario: " + err); });
})();
