/* planner map code: layers from JSON, city search, fullscreen, legend.
   Every string that reaches innerHTML was escaped by planner.maps in Python;
   search labels are set through DOM properties only. */
(function () {
  "use strict";
  var planner = (window.planner = window.planner || {});
  planner.index = [];

  function pointLayer(spec, feature, latlng) {
    var p = feature.properties;
    if (spec.kind === "centre") {
      return L.marker(latlng, {
        icon: L.divIcon({
          className: "planner-centre",
          html: p.icon,
          iconSize: [30, 30],
          iconAnchor: [15, 15],
          popupAnchor: [0, -14],
        }),
        riseOnHover: true,
        zIndexOffset: 1000,
      });
    }
    if (spec.cluster) {
      return L.marker(latlng, {
        icon: L.divIcon({
          className: "planner-dot",
          html: '<span style="background:' + p.style.fillColor + '"></span>',
          iconSize: [12, 12],
          iconAnchor: [6, 6],
        }),
      });
    }
    return L.circleMarker(latlng, p.style);
  }

  planner.layer = function (spec, group) {
    var target = group;
    if (spec.cluster) {
      target = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
      group.addLayer(target);
    }
    var layer = L.geoJSON(spec.data, {
      interactive: spec.interactive !== false,
      style: function (f) {
        return f.properties.style;
      },
      pointToLayer: function (f, latlng) {
        return pointLayer(spec, f, latlng);
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        if (p.popup) l.bindPopup(p.popup, { maxWidth: 380, minWidth: 260 });
        if (p.tip) l.bindTooltip(p.tip, { sticky: f.geometry.type !== "Point" });
        if (p.search) planner.index.push({ label: p.search, layer: l, group: group, cluster: spec.cluster ? target : null });
      },
    });
    if (spec.cluster) {
      target.addLayers(layer.getLayers());
    } else {
      layer.addTo(group);
    }
    return layer;
  };

  function searchControl(map, words) {
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var box = L.DomUtil.create("div", "leaflet-bar planner-search");
      var input = L.DomUtil.create("input", "", box);
      input.type = "search";
      input.placeholder = words.placeholder;
      input.setAttribute("aria-label", words.search);
      input.setAttribute("list", "planner-search-list");
      var list = L.DomUtil.create("datalist", "", box);
      list.id = "planner-search-list";
      var filled = false;
      input.addEventListener("focus", function () {
        if (filled) return;
        filled = true;
        planner.index.forEach(function (e) {
          var o = document.createElement("option");
          o.value = e.label;
          list.appendChild(o);
        });
      });
      function go() {
        var want = input.value.trim().toLowerCase();
        if (!want) return;
        var hit = null;
        planner.index.some(function (e) {
          if (e.label.toLowerCase() === want) hit = e;
          return hit !== null;
        });
        if (!hit) {
          planner.index.some(function (e) {
            if (e.label.toLowerCase().indexOf(want) === 0) hit = e;
            return hit !== null;
          });
        }
        if (!hit) {
          input.classList.add("planner-miss");
          return;
        }
        input.classList.remove("planner-miss");
        if (!map.hasLayer(hit.group)) map.addLayer(hit.group);
        if (hit.cluster) {
          hit.cluster.zoomToShowLayer(hit.layer, function () {
            hit.layer.openPopup();
          });
        } else {
          map.setView(hit.layer.getLatLng(), Math.max(map.getZoom(), 6));
          hit.layer.openPopup();
        }
      }
      input.addEventListener("change", go);
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") go();
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return ctl;
  }

  function fullscreenControl(map, words) {
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var box = L.DomUtil.create("div", "leaflet-bar planner-fullscreen-ctl");
      var a = L.DomUtil.create("a", "", box);
      a.href = "#";
      a.title = words.fullscreen;
      a.setAttribute("role", "button");
      a.innerHTML =
        '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" style="vertical-align:middle">' +
        '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>';
      var container = map.getContainer();
      L.DomEvent.on(a, "click", function (ev) {
        L.DomEvent.preventDefault(ev);
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else if (container.requestFullscreen) {
          container.requestFullscreen().catch(function () {
            container.classList.toggle("planner-fullscreen");
            map.invalidateSize();
          });
        } else {
          container.classList.toggle("planner-fullscreen");
          map.invalidateSize();
        }
      });
      document.addEventListener("fullscreenchange", function () {
        map.invalidateSize();
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return ctl;
  }

  function htmlControl(position, className, html) {
    var ctl = L.control({ position: position });
    ctl.onAdd = function () {
      var box = L.DomUtil.create("div", className);
      box.innerHTML = html;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return ctl;
  }

  planner.controls = function (map, opts) {
    if (opts.title) htmlControl("topright", "planner-title", opts.title).addTo(map);
    // the words of the controls come from planner/locales (map.search.*), in the map's language
    var words = opts.strings;
    searchControl(map, words).addTo(map);
    fullscreenControl(map, words).addTo(map);
    if (opts.legend) htmlControl("bottomright", "planner-legend", opts.legend).addTo(map);
    if (opts.bounds) map.fitBounds(opts.bounds, { padding: [20, 20] });
    L.control.scale({ imperial: false }).addTo(map);
  };
})();
