"""Stage 7a: the interactive map of a run (Folium, works offline).

:func:`render_map` turns a :class:`~planner._run.RunView` into a :class:`folium.Map` with
one toggleable layer per theme: a countries basemap, Belt and Road corridors,
international rail lines (routed over the railway graph or drawn straight), overseas
cooperation zones (the home province's own apart), ports, candidate cities shaded by
score, lines from the home-province origins to each centre, and the chosen centres with
popups that explain them. A legend, a layer control, a city search and a fullscreen button
come with it.

The saved page needs no network: Leaflet and Leaflet.markercluster are inlined from the
``xstatic-leaflet`` and ``xstatic-leaflet-markercluster`` packages, and no tile server is
used unless ``tiles`` asks for one. Every string from data is HTML-escaped in Python and
carried to the page as JSON with ``<``, ``>`` and ``&`` escaped, so a city called
``<script>`` shows as text.
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template
from pyproj import Geod

from planner import _assets
from planner import _format as fmt
from planner._io import write_text
from planner._run import RunView, drivers

log = logging.getLogger(__name__)

__all__ = ["render_map", "save_map"]

# Candidate score ramp, low -> high (pale yellow -> orange -> deep red).
_SCORE_RAMP = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
# Robustness ramp for centres, rarely chosen -> always chosen.
_ROBUST_RAMP = ("#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850")
_CENTRE_COLOUR = "#1f3b73"
_EXISTING_COLOUR = "#238b45"
_HOME_ZONE_COLOUR = "#c51b8a"
_ZONE_COLOUR = "#7a6fb0"
_MODE_COLOUR = {"rail": "#8c2d04", "sea": "#08519c", "air": "#54278f"}
_MODE_ROLE = {"rail": "rail", "sea": "port", "air": "airport"}

_GEOD = Geod(ellps="WGS84")


# ---------------------------------------------------------------------------- elements


class _OfflineMap(folium.Map):
    """A folium Map that links nothing: the assets are inlined by :func:`render_map`."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 (folium's class attribute)
    default_css: list[tuple[str, str]] = []  # noqa: RUF012


class _Raw(Element):
    """Text placed as it is (already safe), bypassing Jinja so script text is not parsed."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class _JsonLayer(MacroElement):
    """A GeoJSON layer drawn by the inlined ``planner.layer`` function into its parent."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = planner.layer({{ this.payload }}, "
        "{{ this._parent.get_name() }});\n"
        "{% endmacro %}"
    )

    def __init__(self, spec: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = "PlannerLayer"
        self.payload = _js_json(spec)
        self.count = len(spec["data"]["features"])


class _Controls(MacroElement):
    """Title, legend, search, fullscreen and the initial view."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "planner.controls({{ this._parent.get_name() }}, {{ this.payload }});\n"
        "{% endmacro %}"
    )

    def __init__(self, options: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = "PlannerControls"
        self.payload = _js_json(options)


# ---------------------------------------------------------------------------- escaping


def _esc(value: object) -> str:
    """HTML-escape a data value (quotes too)."""
    return html.escape("" if fmt.is_missing(value) else str(value), quote=True)


def _clean(obj: Any) -> Any:
    """NaN -> None, numpy scalars -> Python, recursively, so JSON stays strict."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _js_json(obj: Any) -> str:
    """JSON safe inside a ``<script>`` block: no ``<``, ``>``, ``&`` or line separators."""
    text = json.dumps(_clean(obj), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


# ---------------------------------------------------------------------------- helpers


def _ramp(value: float, colours: tuple[str, ...]) -> str:
    """Colour at ``value`` in [0, 1] along ``colours`` (linear in RGB)."""
    if not math.isfinite(value):
        return "#bdbdbd"
    v = min(max(value, 0.0), 1.0) * (len(colours) - 1)
    i = min(int(v), len(colours) - 2)
    t = v - i
    a = [int(colours[i][k : k + 2], 16) for k in (1, 3, 5)]
    b = [int(colours[i + 1][k : k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


def _geometry(geom: Any, *, tolerance: float, digits: int) -> dict[str, Any] | None:
    """GeoJSON geometry, simplified (degrees) and rounded, or None when empty."""
    if geom is None or geom.is_empty:
        return None
    if tolerance > 0 and geom.geom_type != "Point":
        geom = geom.simplify(tolerance, preserve_topology=True)
    geom = shapely.transform(geom, lambda xy: np.round(xy, digits))
    if geom.is_empty:
        return None
    return shapely.geometry.mapping(geom)


def _feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any] | None:
    if geometry is None:
        return None
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _point(lon: float, lat: float) -> dict[str, Any] | None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]}


def _xy(row: Mapping[str, Any]) -> tuple[float, float]:
    geom = row.get("geometry")
    if geom is not None and not geom.is_empty and geom.geom_type == "Point":
        return float(geom.x), float(geom.y)
    try:
        return float(row.get("lon")), float(row.get("lat"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan, math.nan


def _great_circle(lon1: float, lat1: float, lon2: float, lat2: float) -> list[list[float]]:
    """Points along the great circle, longitudes unwrapped so Leaflet draws it whole."""
    inner = _GEOD.npts(lon1, lat1, lon2, lat2, 48)
    lons = np.array([lon1, *(p[0] for p in inner), lon2])
    lats = np.array([lat1, *(p[1] for p in inner), lat2])
    lons = np.rad2deg(np.unwrap(np.deg2rad(lons)))
    return [[round(x, 3), round(y, 3)] for x, y in zip(lons, lats)]


def _air_line(view: RunView, row: Mapping[str, Any], origin: Any) -> list[list[float]]:
    """The air link of a centre: straight for a nonstop trip, else through the trip's
    connection airports (``air_route``, placed by the ``airports`` layer)."""
    lon, lat = _xy(row)
    stops: list[tuple[float, float]] = [(float(origin.lon), float(origin.lat))]
    codes = str(row.get("air_route") or "").split("-")[1:-1]
    airports = view.layers.get("airports")
    if codes and airports is not None and len(airports):
        where = pd.DataFrame(airports).drop_duplicates("iata").set_index("iata")
        if all(c in where.index for c in codes):
            stops += [(float(where.at[c, "lon"]), float(where.at[c, "lat"])) for c in codes]
    stops.append((lon, lat))
    coords: list[list[float]] = []
    for i in range(len(stops) - 1):
        (x1, y1), (x2, y2) = stops[i], stops[i + 1]
        coords += _great_circle(x1, y1, x2, y2)[1 if coords else 0 :]
    lons = np.rad2deg(np.unwrap(np.deg2rad([c[0] for c in coords])))
    return [[round(float(x), 3), c[1]] for x, c in zip(lons, coords, strict=True)]


def _collection(features: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [f for f in features if f is not None]}


def _group(m: folium.Map, name: str, *, show: bool = True) -> folium.FeatureGroup:
    # Leaflet shows layer-control names as HTML: escape them.
    return folium.FeatureGroup(name=html.escape(name), show=show).add_to(m)


def _add(group: folium.FeatureGroup, kind: str, features: list[Any], **opts: Any) -> int:
    spec = {"kind": kind, "data": _collection(features), **opts}
    layer = _JsonLayer(spec)
    group.add_child(layer)
    return layer.count


def _rows(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or len(frame) == 0:
        return []
    return frame.to_dict("records")


# ---------------------------------------------------------------------------- popups


def _table(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _bars(view: RunView, row: Mapping[str, Any]) -> str:
    items = drivers(view, row, n=6)
    if not items:
        return ""
    top = max(d.share for d in items) or 1.0
    out = []
    for d in items:
        width = 100.0 * d.share / top if math.isfinite(d.share) else 0.0
        out.append(
            f'<div class="bar" title="score {fmt.score(d.score)}, weight {fmt.score(d.weight)}">'
            f"<span>{_esc(d.label)}</span>"
            f'<span class="track"><span class="fill" style="display:block;width:{width:.0f}%">'
            f"</span></span>"
            f'<span class="v">{fmt.percent(d.share)}</span></div>'
        )
    return (
        '<p><b>Why here</b> (share of the score):</p><div class="bars">' + "".join(out) + "</div>"
    )


def _centre_popup(
    view: RunView,
    row: Mapping[str, Any],
    *,
    candidate_rank: object,
    n_candidates: int,
    robust: Mapping[str, Any] | None,
    number: int,
) -> str:
    name = _esc(row.get("name"))
    country = _esc(row.get("country") or row.get("iso3"))
    industries = fmt.as_list(row.get("industries"))
    parts = [
        '<div class="pp">',
        f"<h3>Centre {number}: {name}, {country}</h3>",
        f'<p class="sub">Score {fmt.score(row.get("score_total"))} of 1'
        + (
            f" &middot; ranked {_esc(fmt.number(candidate_rank))} of {n_candidates:,} candidates"
            if not fmt.is_missing(candidate_rank)
            else ""
        )
        + "</p>",
        f"<p><b>Serves</b>: {_esc(fmt.join_words(industries, empty='no industry allocated'))}</p>",
        _bars(view, row),
    ]
    facts = [
        ("Rail freight", fmt.hours(row.get("rail_time_h"))),
        ("Sea freight", fmt.hours(row.get("sea_time_h"))),
        ("Air (people, OpenFlights 2014 routes)", fmt.air_trip(row)),
    ]
    mode = row.get("best_freight_mode")
    if not fmt.is_missing(mode):
        facts.append(("Best freight mode", str(mode)))
    if not fmt.is_missing(row.get("nearest_rail_node")):
        facts.append(
            (
                "Train-line node",
                f"{row.get('nearest_rail_node')} ({fmt.km(row.get('dist_rail_node_km'))})",
            )
        )
    if not fmt.is_missing(row.get("nearest_coop_zone")):
        facts.append(
            (
                "Cooperation zone",
                f"{row.get('nearest_coop_zone')} ({fmt.km(row.get('dist_coop_zone_km'))})",
            )
        )
    if "political_stability" in row:
        facts.append(("Political stability", fmt.number(row.get("political_stability"), digits=2)))
    if robust is not None:
        share = robust.get("chosen_share")
        text = f"chosen in {fmt.percent(share)} of sensitivity runs"
        lo, hi = robust.get("rank_low"), robust.get("rank_high")
        if not fmt.is_missing(lo) and not fmt.is_missing(hi):
            text += f", rank {fmt.number(lo)}-{fmt.number(hi)}"
        facts.append(("Robustness", text))
    parts.append(_table(facts))
    missing = fmt.as_list(row.get("missing_criteria"))
    if missing:
        parts.append(
            f'<p class="warn">Estimated (data missing): {_esc(fmt.join_words(missing))}</p>'
        )
    parts.append("</div>")
    return "".join(parts)


def _candidate_popup(view: RunView, row: Mapping[str, Any], n: int) -> str:
    drv = drivers(view, row, n=3)
    strengths = fmt.join_words(d.label for d in drv)
    return (
        '<div class="pp">'
        f"<h3>{_esc(row.get('name'))}, {_esc(row.get('country') or row.get('iso3'))}</h3>"
        f'<p class="sub">Candidate ranked {_esc(fmt.number(row.get("rank")))} of {n:,}; '
        f"score {fmt.score(row.get('score_total'))} of 1</p>"
        + (f"<p><b>Strongest on</b>: {_esc(strengths)}</p>" if drv else "")
        + "</div>"
    )


def _zone_popup(row: Mapping[str, Any], *, home: bool) -> str:
    facts = [
        ("Country", row.get("iso3")),
        ("City", row.get("city")),
        ("Sponsor province", row.get("sponsor_province")),
        ("Sponsor company", row.get("sponsor_company")),
        ("Sectors", row.get("sectors")),
        ("Level", row.get("level")),
        ("Founded", fmt.number(row.get("year_founded"), missing="")),
        ("Source", row.get("source")),
    ]
    kept = [(k, str(v)) for k, v in facts if not fmt.is_missing(v)]
    head = "Home-province cooperation zone" if home else "Overseas cooperation zone"
    return (
        f'<div class="pp"><h3>{_esc(row.get("name"))}</h3><p class="sub">{head}</p>'
        + _table(kept)
        + "</div>"
    )


# ---------------------------------------------------------------------------- layers


def _countries(m: folium.Map, frame: pd.DataFrame | None) -> int:
    if frame is None or "geometry" not in getattr(frame, "columns", ()):
        return 0
    style = {"color": "#8c8c8c", "weight": 0.6, "fillColor": "#f4f1ea", "fillOpacity": 1.0}
    feats = [
        _feature(
            _geometry(r["geometry"], tolerance=0.05, digits=2),
            style=style,
            tip=_esc(r.get("name") or r.get("iso3")),
        )
        for r in _rows(frame)
    ]
    return _add(_group(m, "Countries"), "polygon", feats)


def _corridors(m: folium.Map, frame: pd.DataFrame | None) -> int:
    feats = []
    for r in _rows(frame):
        maritime = r.get("kind") == "maritime"
        style = {
            "color": "#2171b5" if maritime else "#e6850e",
            "weight": 5,
            "opacity": 0.55,
            "dashArray": "8 6" if maritime else None,
        }
        tip = f"<b>{_esc(r.get('name'))}</b><br>{_esc(r.get('nodes'))}"
        feats.append(
            _feature(_geometry(r.get("geometry"), tolerance=0.01, digits=3), style=style, tip=tip)
        )
    return _add(_group(m, "Belt and Road corridors"), "path", feats) if feats else 0


def _rail_lines(m: folium.Map, frame: pd.DataFrame | None) -> int:
    feats = []
    for r in _rows(frame):
        routed = bool(r.get("routed")) if not fmt.is_missing(r.get("routed")) else False
        style = {
            "color": "#67000d" if routed else "#a50f15",
            "weight": 2.5 if routed else 2,
            "opacity": 0.9 if routed else 0.7,
            "dashArray": None if routed else "4 5",
        }
        how = (
            "follows the railway graph"
            if routed
            else "drawn straight: the railway graph lacks this segment"
        )
        tip = (
            f"<b>{_esc(r.get('line'))}</b><br>{_esc(r.get('from_city'))} &rarr; "
            f"{_esc(r.get('to_city'))}, {_esc(fmt.km(r.get('length_km')))}<br><i>{how}</i>"
        )
        feats.append(
            _feature(_geometry(r.get("geometry"), tolerance=0.01, digits=3), style=style, tip=tip)
        )
    return _add(_group(m, "International rail lines"), "path", feats) if feats else 0


def _zones(m: folium.Map, frame: pd.DataFrame | None, province: str) -> tuple[int, int]:
    home, other = [], []
    for r in _rows(frame):
        lon, lat = _xy(r)
        sponsor = r.get("sponsor_province")
        is_home = not fmt.is_missing(sponsor) and str(sponsor).strip() == province.strip()
        style = {
            "radius": 7 if is_home else 5,
            "color": "#ffffff" if is_home else "#3f3a63",
            "weight": 1.5 if is_home else 1,
            "fillColor": _HOME_ZONE_COLOUR if is_home else _ZONE_COLOUR,
            "fillOpacity": 0.95 if is_home else 0.75,
        }
        f = _feature(
            _point(lon, lat),
            style=style,
            popup=_zone_popup(r, home=is_home),
            tip=_esc(r.get("name")),
        )
        (home if is_home else other).append(f)
    n_home = n_other = 0
    if home:
        n_home = _add(_group(m, f"{province}'s cooperation zones"), "point", home)
    if other:
        n_other = _add(_group(m, "Other cooperation zones"), "point", other)
    return n_home, n_other


def _ports(m: folium.Map, frame: pd.DataFrame | None) -> int:
    style = {
        "radius": 2.5,
        "color": "#08519c",
        "weight": 1,
        "fillColor": "#6baed6",
        "fillOpacity": 0.9,
    }
    feats = []
    for r in _rows(frame):
        lon, lat = _xy(r)
        feats.append(_feature(_point(lon, lat), style=style, tip=_esc(r.get("name"))))
    return _add(_group(m, "Ports", show=False), "point", feats) if feats else 0


def _candidates(m: folium.Map, view: RunView, top_n: int) -> tuple[int, float, float]:
    frame = view.candidates
    n_all = len(frame)
    if n_all == 0:
        return 0, math.nan, math.nan
    if "rank" in frame.columns:
        frame = frame.sort_values("rank", kind="stable")
    else:
        frame = frame.sort_values("score_total", ascending=False, kind="stable")
    chosen = set(view.centres["city_id"]) if "city_id" in view.centres.columns else set()
    if "city_id" in frame.columns:
        frame = frame[~frame["city_id"].isin(chosen)]
    if top_n > 0:
        frame = frame.head(top_n)
    scores = pd.to_numeric(frame["score_total"], errors="coerce")
    lo, hi = float(scores.min()), float(scores.max())
    span = hi - lo if hi > lo else 1.0
    feats = []
    # Draw the best last so they sit on top.
    for r in reversed(_rows(frame)):
        lon, lat = _xy(r)
        s = fmt.number(r.get("score_total"), digits=2)
        colour = _ramp((float(r["score_total"]) - lo) / span, _SCORE_RAMP)
        style = {
            "radius": 5,
            "color": "#555555",
            "weight": 0.7,
            "fillColor": colour,
            "fillOpacity": 0.9,
        }
        label = f"{r.get('name')} ({r.get('iso3')})"
        feats.append(
            _feature(
                _point(lon, lat),
                style=style,
                popup=_candidate_popup(view, r, n_all),
                tip=f"{_esc(r.get('name'))}: score {s}",
                search=label,
            )
        )
    title = "Candidate cities (all)" if top_n == 0 else f"Candidate cities (top {len(feats):,})"
    _add(_group(m, title), "point", feats, cluster=top_n == 0)
    return len(feats), lo, hi


def _origin_for(view: RunView, mode: object) -> Any:
    role = _MODE_ROLE.get(str(mode), "airport")
    for o in view.origins:
        if o.role == role:
            return o
    return view.origins[0] if view.origins else None


def _links(m: folium.Map, view: RunView) -> int:
    """One line per centre from the origin of its best mode (rail hub, port, else airport)."""
    feats = []
    for r in _rows(view.centres):
        mode = r.get("best_freight_mode")
        mode = str(mode) if str(mode) in ("rail", "sea") else "air"
        origin = _origin_for(view, mode)
        if origin is None:
            continue
        lon, lat = _xy(r)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            continue
        time_col = {"rail": "rail_time_h", "sea": "sea_time_h", "air": "air_time_h"}[mode]
        style = {
            "color": _MODE_COLOUR[mode],
            "weight": 2.5,
            "opacity": 0.85,
            "dashArray": "2 6" if mode == "air" else None,
        }
        when = fmt.air_trip(r) if mode == "air" else fmt.hours(r.get(time_col))
        tip = f"{_esc(origin.name)} &rarr; {_esc(r.get('name'))} by {mode}: {_esc(when)}"
        coords = (
            _air_line(view, r, origin)
            if mode == "air"
            else _great_circle(float(origin.lon), float(origin.lat), lon, lat)
        )
        feats.append(_feature({"type": "LineString", "coordinates": coords}, style=style, tip=tip))
    for o in view.origins:
        style = {
            "radius": 6,
            "color": "#000000",
            "weight": 2,
            "fillColor": "#ffd92f",
            "fillOpacity": 1,
        }
        tip = f"{_esc(o.name)} ({_esc(o.role)}), {_esc(view.province)}"
        feats.append(_feature(_point(float(o.lon), float(o.lat)), style=style, tip=tip))
    return _add(_group(m, f"Links from {view.province}"), "path", feats) if feats else 0


def _centres(m: folium.Map, view: RunView, *, robustness: bool) -> int:
    cand = view.candidates
    ranks: dict[Any, Any] = {}
    if {"city_id", "rank"} <= set(cand.columns):
        ranks = dict(zip(cand["city_id"], cand["rank"]))
    robust: dict[Any, dict[str, Any]] = {}
    if view.robustness is not None and "city_id" in view.robustness.columns:
        robust = {r["city_id"]: r for r in _rows(view.robustness)}
    feats = []
    # numbered 1..N in the order of the brief's table (the candidate rank is in the popup)
    for number, r in enumerate(_rows(view.centres.sort_values("rank", kind="stable")), start=1):
        lon, lat = _xy(r)
        rob = robust.get(r.get("city_id"))
        colour = _CENTRE_COLOUR
        if robustness and rob is not None:
            colour = _ramp(float(rob.get("chosen_share", math.nan)), _ROBUST_RAMP)
        rank = str(number)
        icon = f'<div class="badge" style="background:{colour}">{_esc(rank)}</div>'
        feats.append(
            _feature(
                _point(lon, lat),
                icon=icon,
                popup=_centre_popup(
                    view,
                    r,
                    candidate_rank=ranks.get(r.get("city_id")),
                    n_candidates=len(cand),
                    robust=rob,
                    number=number,
                ),
                tip=f"Centre {_esc(rank)}: {_esc(r.get('name'))}",
                search=f"{r.get('name')} ({r.get('iso3')}), centre {rank}",
            )
        )
    return _add(_group(m, "Recommended centres"), "centre", feats)


def _year(value: object) -> str:
    return "not given" if fmt.is_missing(value) else str(int(float(value)))  # type: ignore[arg-type]


def _existing_popup(row: Mapping[str, Any], province: str) -> str:
    where = row.get("city")
    if row.get("located") == "region":
        where = f"{where} (region; drawn at its largest city)"
    facts = [
        ("Published name", row.get("name_published")),
        ("Place", where),
        ("Country", row.get("country") or row.get("iso3")),
        ("Sponsor", row.get("sponsor")),
        ("Partner abroad", row.get("partner")),
        ("Opened", _year(row.get("year_opened"))),
        ("Status", f"{row.get('status')} ({row.get('status_date')})"),
        ("Industries", fmt.join_words(fmt.as_list(row.get("industries")), empty="not known")),
        ("Source", row.get("source")),
    ]
    kept = [(k, str(v)) for k, v in facts if not fmt.is_missing(v)]
    return (
        f'<div class="pp"><h3>{_esc(row.get("name"))}</h3>'
        f'<p class="sub">Existing centre of {_esc(province)}, taken as open by the plan</p>'
        + _table(kept)
        + "</div>"
    )


def _existing(m: folium.Map, view: RunView) -> int:
    """One square marker per existing centre with coordinates (country-only ones are
    listed in the brief, not drawn)."""
    feats = []
    for r in _rows(view.existing):
        lon, lat = _xy(r)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            continue
        icon = (
            f'<div class="badge" style="background:{_EXISTING_COLOUR};border-radius:4px">E</div>'
        )
        feats.append(
            _feature(
                _point(lon, lat),
                icon=icon,
                popup=_existing_popup(r, view.province),
                tip=f"Existing centre: {_esc(r.get('name'))}",
                search=f"{r.get('name')} ({r.get('iso3')}), existing centre",
            )
        )
    if not feats:
        return 0
    return _add(_group(m, f"{view.province}'s existing centres"), "centre", feats)


# ---------------------------------------------------------------------------- legend


def _legend(view: RunView, *, lo: float, hi: float, robustness: bool, layers: set[str]) -> str:
    rows = []

    def row(swatch: str, text: str) -> None:
        rows.append(f'<div class="row">{swatch}<span>{_esc(text)}</span></div>')

    row(
        f'<span class="dot" style="background:{_CENTRE_COLOUR};width:14px;height:14px"></span>',
        "recommended centre (numbered as in the brief)",
    )
    if "existing" in layers:
        n_all = len(view.existing) if view.existing is not None else 0
        unplaced = n_all - _existing_drawn(view)
        text = f"{view.province}'s existing centre (E)"
        if unplaced:
            text += f"; {unplaced} more known by country only, not drawn"
        row(
            f'<span class="dot" style="background:{_EXISTING_COLOUR};border-radius:2px;'
            'width:14px;height:14px"></span>',
            text,
        )
    if robustness and view.robustness is not None:
        grad = ",".join(_ROBUST_RAMP)
        rows.append(
            "<div>centre colour: share of sensitivity runs choosing it</div>"
            f'<div class="ramp" style="background:linear-gradient(to right,{grad})"></div>'
            '<div class="ends"><span>0%</span><span>100%</span></div>'
        )
    if math.isfinite(lo):
        grad = ",".join(_SCORE_RAMP)
        rows.append(
            "<div>candidate city score</div>"
            f'<div class="ramp" style="background:linear-gradient(to right,{grad})"></div>'
            f'<div class="ends"><span>{fmt.score(lo)}</span><span>{fmt.score(hi)}</span></div>'
        )
    if "links" in layers:
        for mode in ("rail", "sea"):
            row(f'<span class="ln" style="border-color:{_MODE_COLOUR[mode]}"></span>',
                f"link by {mode} from {view.province}")  # fmt: skip
        row(f'<span class="ln dash" style="border-color:{_MODE_COLOUR["air"]}"></span>',
            f"link by air from {view.province}")  # fmt: skip
    if "rail" in layers:
        row('<span class="ln" style="border-color:#67000d"></span>', "rail line, routed")
        row('<span class="ln dash" style="border-color:#a50f15"></span>', "rail line, straight")
    if "corridors" in layers:
        row('<span class="ln" style="border-color:#e6850e"></span>', "land corridor")
        row('<span class="ln dash" style="border-color:#2171b5"></span>', "Maritime Silk Road")
    if "zones" in layers:
        row(f'<span class="dot" style="background:{_HOME_ZONE_COLOUR}"></span>',
            f"{view.province}'s cooperation zone")  # fmt: skip
        row(f'<span class="dot" style="background:{_ZONE_COLOUR}"></span>',
            "other cooperation zone")  # fmt: skip
    if "origins" in layers:
        row('<span class="dot" style="background:#ffd92f"></span>', f"{view.province} origin")
    return "<details open><summary><b>Legend</b></summary>" + "".join(rows) + "</details>"


def _existing_drawn(view: RunView) -> int:
    """How many existing centres have coordinates (and so a marker)."""
    if view.existing is None or len(view.existing) == 0:
        return 0
    lon = pd.to_numeric(view.existing["lon"], errors="coerce")
    lat = pd.to_numeric(view.existing["lat"], errors="coerce")
    return int((lon.notna() & lat.notna()).sum())


def _title(view: RunView) -> str:
    n = len(view.centres)
    return (
        f"<h1>{_esc(view.title)}</h1>"
        f"<p>{n} recommended centre{'s' if n != 1 else ''} &middot; "
        f"solver: {_esc(view.status_text())}</p>"
    )


def _bounds(view: RunView) -> list[list[float]] | None:
    pts = [_xy(r) for r in _rows(view.centres)]
    pts += [(float(o.lon), float(o.lat)) for o in view.origins]
    pts = [p for p in pts if math.isfinite(p[0]) and math.isfinite(p[1])]
    if len(pts) < 2:
        return None
    lons, lats = zip(*pts)
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


# ---------------------------------------------------------------------------- public


def _check(view: object, top_n: object) -> None:
    if not isinstance(view, RunView):
        msg = f"view must be a RunView built by the pipeline, got {type(view).__name__!r}."
        raise TypeError(msg)
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 0:
        msg = f"top_n must be a whole number >= 0 (0 = every candidate, clustered), got {top_n!r}."
        raise ValueError(msg)


def render_map(
    view: RunView,
    *,
    top_n: int = 200,
    robustness: bool = False,
    tiles: str | None = None,
) -> folium.Map:
    """The interactive map of a run.

    Parameters
    ----------
    view
        The finished run.
    top_n
        Candidate cities to draw, best first (the centres are always drawn); 0 draws every
        candidate, clustered.
    robustness
        Colour the centres by the share of sensitivity runs that chose them (needs
        ``view.robustness``); otherwise they share one colour.
    tiles
        A folium tile name or URL template for an online basemap under the countries layer;
        None (default) uses no tile server, so the page works offline.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map` (or ``Map.save``); the HTML links no external file
        unless ``tiles`` is given.
    """
    _check(view, top_n)
    m = _OfflineMap(location=[35.0, 60.0], zoom_start=3, tiles=None, control_scale=False)
    # Without a tile layer Leaflet has no zoom range, which marker clustering needs.
    m.options.update(minZoom=2, maxZoom=18)

    assets = [_assets.leaflet()]
    if top_n == 0:
        assets.append(_assets.markercluster())
    assets.append(_assets.planner_controls())
    root = m.get_root()
    root.title = html.escape(view.title)  # type: ignore[attr-defined]
    root.header.add_child(_Raw(_assets.inline_html(tuple(assets))), name="planner_assets")  # type: ignore[attr-defined]
    if tiles:
        folium.TileLayer(tiles, name="Tiles (online)").add_to(m)

    layers = view.layers
    drawn: set[str] = set()
    counts: dict[str, int] = {"countries": _countries(m, layers.get("countries"))}
    if counts["countries"] == 0:
        log.warning("no countries layer: the map has no basemap")
    counts["corridors"] = _corridors(m, layers.get("corridors"))
    counts["rail_lines"] = _rail_lines(m, layers.get("rail_lines"))
    counts["home_zones"], counts["zones"] = _zones(
        m, layers.get("cooperation_zones"), view.province
    )
    counts["ports"] = _ports(m, layers.get("ports"))
    counts["candidates"], lo, hi = _candidates(m, view, top_n)
    counts["links"] = _links(m, view)
    counts["centres"] = _centres(m, view, robustness=robustness)
    counts["existing"] = _existing(m, view)
    drawn |= {"existing"} if counts["existing"] else set()
    drawn |= {"corridors"} if counts["corridors"] else set()
    drawn |= {"rail"} if counts["rail_lines"] else set()
    drawn |= {"zones"} if counts["home_zones"] + counts["zones"] else set()
    drawn |= {"links", "origins"} if counts["links"] else set()

    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(
        _Controls(
            {
                "title": _title(view),
                "legend": _legend(view, lo=lo, hi=hi, robustness=robustness, layers=drawn),
                "bounds": _bounds(view),
            }
        )
    )
    log.info(
        "drew a map of %d centres, %d candidate cities, %d rail segments, %d cooperation zones",
        counts["centres"],
        counts["candidates"],
        counts["rail_lines"],
        counts["home_zones"] + counts["zones"],
    )
    return m


def save_map(
    view: RunView,
    path: str | Path,
    *,
    top_n: int = 200,
    robustness: bool = False,
    tiles: str | None = None,
) -> Path:
    """Render the map of ``view`` and write it to ``path`` (HTML, UTF-8) atomically.

    Options as in :func:`render_map`. Returns the path written.
    """
    m = render_map(view, top_n=top_n, robustness=robustness, tiles=tiles)
    return write_text(path, m.get_root().render())
