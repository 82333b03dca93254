"""Stage 7b: the strategy brief of a run, for a provincial decision maker.

:func:`render_brief` turns a :class:`~planner._run.RunView` into Markdown and HTML from
the Jinja2 templates in ``planner/templates`` (``brief.md.j2``, ``brief.html.j2``); both
are filled from one plain context, so they say the same thing. :func:`save_brief` writes
``brief.md``, ``brief.html`` (the static map embedded), ``map.png`` and, where the optional
``fpdf2`` package is installed, ``brief.pdf``.

The brief leads with the decision and keeps the method for the end:

1. the decision: the recommended centres, grouped by kind when the centres have a
   ``kind`` column (``kind_name`` for its label, ``industry_reasons`` for a reason per
   industry), one line each: what for, why here (each criterion's share of the centre's
   score, never its weight) and how stable (the share of weight draws that chose it),
   and the existing centres they join;
2. robustness: the share of draws and rank interval of each centre, the firm and the
   fragile, the cities other draws chose, or that robustness was not measured;
3. risks: per centre, the host screens and the stability floor, what is not known;
4. a suggested order of opening (its rule stated) and how the plan answers seed 003
   §3.1-3.5;
5. an annex: the centres in detail, criteria and weights, constraints and the solver's
   report, the existing centres, the stages' raw counts, sources and licences.

It says honestly what the run found: a plan the solver did not prove optimal is never
called optimal, and no plan is called the best without how often it survives a change of
the weights; missing data are named.

Every string from data is escaped: HTML by Jinja2's autoescape, Markdown by
:func:`md_escape` applied to every expression the Markdown template prints.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from planner import _format as fmt
from planner import i18n, names
from planner._errors import OutputError
from planner._graphs import great_circle_km
from planner._io import write_bytes, write_text
from planner._run import RunView, drivers, weak_points

log = logging.getLogger(__name__)

__all__ = ["BriefDocs", "md_escape", "render_brief", "render_static_map", "save_brief"]

_TEMPLATES = Path(__file__).with_name("templates")

# Reading thresholds the brief uses to say a centre "is on" a train line or "near" a zone
# (the default scenario's constraints count within the same distances).
NEAR_RAIL_NODE_KM = 50.0
NEAR_COOP_ZONE_KM = 100.0
#: A centre "builds on" one of the province's own cooperation zones (a zone whose
#: ``sponsor_province`` is the province) within this distance, and on an existing centre
#: of the province within :data:`NEAR_EXISTING_KM`: the readiness of the opening order.
NEAR_HOME_ZONE_KM = 100.0
NEAR_EXISTING_KM = 300.0
#: Shares of the weight draws that chose a centre: firm at or above FIRM_SHARE, fragile
#: below FRAGILE_SHARE.
FIRM_SHARE = 0.8
FRAGILE_SHARE = 0.5

_MD_SPECIAL = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "#": "\\#",
    }
)
# Only what would start raw HTML or a character reference is written as an entity: "<"
# before a tag or comment, "&" before "name;" or "#123;". "R&D" and "->" stay as they are,
# so the Markdown reads cleanly as text.
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def md_escape(value: object) -> str:
    """Text safe in Markdown: no emphasis, links, tables or raw HTML from data.

    :class:`markupsafe.Markup` values (Markdown written by the template itself) pass
    unchanged; None prints as an empty string.
    """
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    text = str(value).translate(_MD_SPECIAL).replace("\n", " ")
    text = _MD_TAG.sub("&lt;", _MD_ENTITY.sub("&amp;", text))
    if text.startswith(">"):  # a block quote at the start of a line
        text = "\\" + text
    # at the start of a line, "+ ", "- " or "1. " would start a list item
    if re.match(r"[+-] ", text):
        text = "\\" + text
    return re.sub(r"^(\d+)\. ", r"\1\\. ", text)


@dataclass(frozen=True)
class BriefDocs:
    """The brief as text.

    Parameters
    ----------
    markdown
        Markdown; it references the static map as ``map.png`` beside it.
    html
        A standalone HTML page with the map embedded (base64 PNG).
    map_png
        The static map (PNG bytes), or ``b""`` when the run has no plan to draw.
    robustness_png, robustness_file
        The robustness chart the brief shows (PNG bytes, ``b""`` when the run measured
        no robustness) and its file name beside the Markdown (``robustness.png``,
        ``robustness.zh.png``).
    """

    markdown: str
    html: str
    map_png: bytes
    robustness_png: bytes = b""
    robustness_file: str = ""


# ---------------------------------------------------------------------------- context


def _tr(lang: str, key: str, /, **values: Any) -> str:
    """``i18n.text`` of a brief string (``key`` starts with ``brief.``)."""
    return i18n.text(lang, key, **values)


def _country(row: Mapping[str, Any], lang: str) -> str:
    """The country of a row as the brief names it: the data's name in English, CLDR's
    in another language (the English name when CLDR has none)."""
    english = row.get("country") or row.get("iso3")
    if lang == i18n.DEFAULT_LANGUAGE:
        return english  # type: ignore[return-value]
    return names.country_name(str(row.get("iso3")), lang, fallback=str(english))


def _city(row: Mapping[str, Any], lang: str) -> Any:
    """A candidate city's name: GeoNames' name in ``lang`` by its ``city_id`` (a GeoNames
    id), the data's name otherwise."""
    name = row.get("name")
    if lang == i18n.DEFAULT_LANGUAGE or fmt.is_missing(row.get("city_id")):
        return name
    try:
        geonameid = int(row["city_id"])
    except (TypeError, ValueError):
        return name
    return names.city_name(geonameid, lang, fallback=str(name))


def _criterion(view: RunView, cid: str, lang: str) -> str:
    """A criterion's short label: the catalogue's in English; in another language the
    brief's own (``brief.criterion.<id>``), or the catalogue's when it has none (a
    criterion a scenario adds)."""
    key = f"brief.criterion.{cid}"
    if lang != i18n.DEFAULT_LANGUAGE and key in i18n.strings(lang):
        return i18n.text(lang, key)
    return view.criterion_label(cid)


def _industry_names(view: RunView, lang: str) -> dict[str, str]:
    """Industry name as the plan holds it -> its name in ``lang``: by its ``industry_id``
    (:func:`planner.names.industry_name`, the ``name_zh`` of the shipped industries layer),
    else the ``name_zh`` column of the run's industries layer where it has one."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return {}
    out: dict[str, str] = {}
    for frame in (view.industries, view.layers.get("industries")):
        if frame is None or "name" not in getattr(frame, "columns", ()):
            continue
        for r in frame.to_dict("records"):
            if fmt.is_missing(r.get("name")):
                continue
            english = str(r["name"])
            chinese = names.layer_name(r, lang)
            if chinese == english and isinstance(r.get("industry_id"), str):
                chinese = names.industry_name(r["industry_id"], lang, english)
            if chinese and (english not in out or out[english] == english):
                out[english] = chinese
    return out


def _layer_names(view: RunView, layer: str, lang: str) -> dict[str, str]:
    """English name -> name in ``lang`` of the features of a context layer (cooperation
    zones, corridors, rail lines): their ``name_zh`` where the layer has one
    (:func:`planner.names.layer_name`), else the English name."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return {}
    frame = view.layers.get(layer)
    if frame is None or "name" not in getattr(frame, "columns", ()):
        return {}
    columns = [c for c in ("name", "name_zh") if c in frame.columns]
    return {
        str(r["name"]): names.layer_name(r, lang)
        for r in pd.DataFrame(frame[columns]).to_dict("records")
        if not fmt.is_missing(r.get("name"))
    }


_NODE = re.compile(r"^(.*\S)\s*\(([A-Z]{3})\)$")


def _node_city(text: object, lang: str) -> str:
    """A train-line node as the accessibility table writes it (``"Luang Prabang (LAO)"``)
    in ``lang``: in Chinese the city's GeoNames name and the country's CLDR name
    (老挝琅勃拉邦), the English city name where GeoNames has no Chinese one."""
    english = "" if fmt.is_missing(text) else str(text)
    hit = _NODE.match(english.strip())
    if lang == i18n.DEFAULT_LANGUAGE or not hit:
        return english
    city, iso3 = hit[1], hit[2]
    country = names.country_name(iso3, lang, fallback=iso3)
    local = names.city_name(names.city_id(city, iso3), lang, city)
    return _place(country, local, lang)


def _place(country: str, city: str, lang: str) -> str:
    """City and country as the brief writes them ("Munich, Germany"; 德国慕尼黑). A
    city-state reads once: the city alone when its name is the country's ("Singapore",
    not "Singapore, Singapore"), or in Chinese starts with it (新加坡, not 新加坡新加坡)."""
    if lang == i18n.DEFAULT_LANGUAGE:
        if country and str(city) == str(country):
            return str(city)
        return _tr(lang, "brief.city_country", city=city, country=country)
    if country and str(city).startswith(country):
        return str(city)
    return _tr(lang, "brief.city_country", city=city, country=country)


def _stability_words(value: object, lang: str = "en") -> str:
    if fmt.is_missing(value):
        return _tr(lang, "brief.no_data")
    v = float(value)  # type: ignore[arg-type]
    if v >= 0.5:
        words = _tr(lang, "brief.stability.stable")
    elif v >= 0.0:
        words = _tr(lang, "brief.stability.fairly_stable")
    elif v >= -1.0:
        words = _tr(lang, "brief.stability.some_risk")
    else:
        words = _tr(lang, "brief.stability.high_risk")
    return _tr(lang, "brief.stability.wgi", words=words, value=f"{v:+.2f}")


def _centre(
    view: RunView,
    row: Mapping[str, Any],
    robust: Mapping[str, Any] | None,
    lang: str = "en",
    industry_names: Mapping[str, str] | None = None,
) -> dict:
    ind_names = industry_names or {}
    industries = [ind_names.get(i, i) for i in fmt.as_list(row.get("industries"))]
    drv = drivers(view, row, n=4)
    top = {d.criterion for d in drv}
    weak = [d for d in weak_points(view, row, n=6) if d.criterion not in top][:3]
    unreachable = _tr(lang, "brief.not_reachable")
    access = [
        (
            _tr(lang, "brief.access.rail"),
            fmt.hours(row.get("rail_time_h"), missing=unreachable, lang=lang),
        ),
        (
            _tr(lang, "brief.access.sea"),
            fmt.hours(row.get("sea_time_h"), missing=unreachable, lang=lang),
        ),
        (_tr(lang, "brief.access.air"), fmt.air_trip(row, missing=unreachable, lang=lang)),
    ]
    unknown = _tr(lang, "brief.unknown")
    if not fmt.is_missing(row.get("nearest_rail_node")):
        access.append(
            (
                _tr(lang, "brief.access.rail_node"),
                _tr(
                    lang,
                    "brief.access.at_distance",
                    name=_node_city(row.get("nearest_rail_node"), lang),
                    km=fmt.km(row.get("dist_rail_node_km"), missing=unknown, lang=lang),
                ),
            )
        )
    if not fmt.is_missing(row.get("nearest_coop_zone")):
        zone = str(row.get("nearest_coop_zone"))
        zone_names = _layer_names(view, "cooperation_zones", lang)
        home = _tr(lang, "brief.access.zone_home") if row.get("coop_zone_home") is True else ""
        access.append(
            (
                _tr(lang, "brief.access.zone"),
                _tr(
                    lang,
                    "brief.access.at_distance",
                    name=f"{zone_names.get(zone, zone)}{home}",
                    km=fmt.km(row.get("dist_coop_zone_km"), missing=unknown, lang=lang),
                ),
            )
        )
    stability = _stability_words(row.get("political_stability"), lang)
    risks = [(_tr(lang, "brief.risk.stability"), stability)]
    if "cultural_distance" in row:
        cd = row.get("cultural_distance")
        risks.append(
            (
                _tr(lang, "brief.risk.cultural"),
                _tr(lang, "brief.no_data")
                if fmt.is_missing(cd)
                else _tr(lang, "brief.risk.cultural_value", value=fmt.number(cd, digits=2)),
            )
        )
    if "st_agreement" in row:
        risks.append(
            (
                _tr(lang, "brief.risk.st_agreement"),
                fmt.yes_no(
                    row.get("st_agreement"), missing=_tr(lang, "brief.not_known"), lang=lang
                ),
            )
        )
    missing = [_criterion(view, c, lang) for c in fmt.as_list(row.get("missing_criteria"))]
    low = row.get("low_confidence") is True or row.get("low_confidence") == True  # noqa: E712
    share = row.get("imputed_weight_share")
    confidence = ""
    if not fmt.is_missing(share):
        confidence = _tr(lang, "brief.confidence", share=fmt.percent(share))
        if low:
            confidence = _tr(lang, "brief.low_confidence_prefix") + confidence
    rob_text = ""
    if robust is not None:
        rob_text = _tr(
            lang, "brief.robustness.chosen_in", share=fmt.percent(robust.get("chosen_share"))
        )
        lo, hi = robust.get("rank_low"), robust.get("rank_high")
        if not fmt.is_missing(lo) and not fmt.is_missing(hi):
            rob_text += _tr(
                lang, "brief.robustness.rank_range", low=fmt.number(lo), high=fmt.number(hi)
            )
    name = _city(row, lang)
    merged = row.get("merged_from")
    if isinstance(merged, str) and merged:
        # the GeoNames sections and satellites folded into this candidate
        name = _tr(
            lang,
            "brief.merged",
            name=name,
            merged=merged.replace("; ", _tr(lang, "brief.list_separator")),
        )
    return {
        "rank": fmt.number(row.get("rank"), missing="?"),
        "name": name,
        "country": _country(row, lang),
        "score": fmt.score(row.get("score_total")),
        "industries": industries,
        "industries_text": fmt.join_words(
            industries, empty=_tr(lang, "brief.no_industry"), lang=lang
        ),
        "drivers": [
            {"label": _criterion(view, d.criterion, lang), "share": fmt.percent(d.share)}
            for d in drv
        ],
        "drivers_text": fmt.join_words(
            (_criterion(view, d.criterion, lang) for d in drv[:3]), lang=lang
        ),
        "weak": [
            {"label": _criterion(view, d.criterion, lang), "score": fmt.score(d.score)}
            for d in weak
        ],
        "access": access,
        "risks": risks,
        "missing": missing,
        "low_confidence": low,
        "confidence": confidence,
        "robustness": rob_text,
    }


#: A centre lies on the corridor nearest to it when within this distance (km); the brief
#: compares new centres' corridors with the existing centres' by this rule.
CORRIDOR_REACH_KM = 500.0


def _corridor(row: Mapping[str, Any]) -> str:
    name = row.get("nearest_corridor")
    km = row.get("dist_corridor_km")
    if fmt.is_missing(name) or not str(name) or fmt.is_missing(km):
        return ""
    return str(name) if float(km) <= CORRIDOR_REACH_KM else ""


def _year(value: object, lang: str = "en") -> str:
    if fmt.is_missing(value):
        return _tr(lang, "brief.existing.year_not_given")
    year = str(int(float(value)))  # type: ignore[arg-type]
    return fmt.date(year, lang=lang)


def _existing_context(view: RunView, lang: str = "en") -> dict[str, Any] | None:
    """What the province already has, and the countries, industries and corridors it covers."""
    ex = view.existing
    if ex is None or len(ex) == 0:
        return None
    rows = []
    zh = lang != i18n.DEFAULT_LANGUAGE
    for r in ex.to_dict("records"):
        place = r.get("city")
        if zh and isinstance(place, str) and place and r.get("located") == "city":
            place = names.city_name(names.city_id(place, str(r.get("iso3"))), lang, place)
        if r.get("located") == "country_only":
            place = _tr(lang, "brief.existing.country_only", place=place) if not fmt.is_missing(
                place
            ) and str(place) else _tr(lang, "brief.existing.no_city")
        elif r.get("located") == "region":
            place = _tr(lang, "brief.existing.region", place=place)
        name = r.get("name")
        published = r.get("name_published")
        if zh and isinstance(published, str) and _CJK.search(published):
            name = published  # the name the sponsor published, in Chinese
        status = r.get("status")
        stage_key = f"map.stage.{r.get('stage')}"
        if zh and stage_key in i18n.strings(lang):
            # the source's own status words are English; the layer's coded stage is not
            status = i18n.text(lang, stage_key)
        rows.append(
            {
                "name": name,
                "place": place,
                "country": _country(r, lang),
                "sponsor": "" if fmt.is_missing(r.get("sponsor")) else r.get("sponsor"),
                "opened": _year(r.get("year_opened"), lang),
                "status": _tr(
                    lang,
                    "brief.existing.status",
                    status=status,
                    date=fmt.date(
                        r.get("status_date"), missing=str(r.get("status_date")), lang=lang
                    ),
                ),
                "industries": fmt.join_words(
                    fmt.as_list(r.get("industries")), empty=_tr(lang, "brief.not_known"), lang=lang
                ),
            }
        )
    countries = sorted({str(_country(r, lang)) for r in ex.to_dict("records")} - {""})
    if lang == i18n.DEFAULT_LANGUAGE:
        countries = sorted({str(c) for c in ex.get("country", ex["iso3"]).fillna("") if c})
    known = sorted({i for v in ex["industries"] for i in fmt.as_list(v)})
    corridors = sorted({c for r in ex.to_dict("records") if (c := _corridor(r))})
    corridor_names = _layer_names(view, "corridors", lang)
    return {
        "n": len(rows),
        "rows": rows,
        "countries": fmt.join_words(countries, lang=lang),
        "industries": fmt.join_words(known, empty="", lang=lang),
        "corridors": fmt.join_words(
            (corridor_names.get(c, c) for c in corridors), empty="", lang=lang
        ),
        "iso3": set(ex["iso3"].astype(str)),
        "industry_set": set(known),
        "corridor_set": set(corridors),
        "reach_km": f"{CORRIDOR_REACH_KM:,.0f}",
    }


def _adds(
    row: Mapping[str, Any],
    existing: Mapping[str, Any],
    lang: str = "en",
    industry_names: Mapping[str, str] | None = None,
    corridor_names: Mapping[str, str] | None = None,
) -> str:
    """What a new centre adds to the existing ones: a country, industries, a corridor."""
    ind_names = industry_names or {}
    parts = []
    country = _country(row, lang)
    if str(row.get("iso3")) not in existing["iso3"]:
        parts.append(_tr(lang, "brief.adds.new_country", country=country))
    else:
        parts.append(_tr(lang, "brief.adds.old_country", country=country))
    new_ind = [i for i in fmt.as_list(row.get("industries")) if i not in existing["industry_set"]]
    if new_ind:
        parts.append(
            _tr(
                lang,
                "brief.adds.new_industries",
                industries=fmt.join_words((ind_names.get(i, i) for i in new_ind), lang=lang),
            )
        )
    corridor = _corridor(row)
    shown = (corridor_names or {}).get(corridor, corridor)
    if corridor and corridor not in existing["corridor_set"]:
        parts.append(_tr(lang, "brief.adds.new_corridor", corridor=shown))
    elif corridor:
        parts.append(_tr(lang, "brief.adds.old_corridor", corridor=shown))
    return _tr(lang, "brief.clause_separator").join(parts)


def _excluded(view: RunView, lang: str = "en") -> dict[str, Any]:
    """The hosts the screens and the stability floor keep out, for the brief."""
    ex = view.excluded
    if ex is None or len(ex) == 0:
        return {"screens": [], "floor": []}
    rows = ex.to_dict("records")

    def cities(r: Mapping[str, Any]) -> str:
        n = int(r.get("n_cities") or 0)
        if not n:
            return _tr(lang, "brief.excluded.no_city")
        key = "brief.excluded.one_city" if n == 1 else "brief.excluded.cities"
        return _tr(lang, key, n=f"{n:,}")

    def text(r: Mapping[str, Any], column: str) -> str:
        value = r.get(column)
        return "" if fmt.is_missing(value) else str(value)

    zh = lang != i18n.DEFAULT_LANGUAGE
    screens: dict[str, list[str]] = {}
    for r in rows:
        if str(r.get("rule", "")).startswith("screen:"):
            name = _tr(lang, "brief.excluded.country", country=_country(r, lang), cities=cities(r))
            # in Chinese the layer's reason_zh; the English reason where the layer has none
            reason = (zh and text(r, "reason_zh")) or text(r, "reason")
            screens.setdefault(reason, []).append(name)

    def floor_reason(r: Mapping[str, Any]) -> str:
        if not zh or not text(r, "floor"):
            return text(r, "reason")
        if not text(r, "wgi"):
            return _tr(lang, "brief.excluded.floor_unknown", floor=text(r, "floor"))
        return _tr(lang, "brief.excluded.floor_below", value=text(r, "wgi"), floor=text(r, "floor"))

    floor = [
        _tr(
            lang,
            "brief.excluded.floor_country",
            country=_country(r, lang),
            reason=floor_reason(r),
            cities=cities(r),
        )
        for r in rows
        if r.get("rule") == "min_political_stability"
    ]
    return {
        "screens": [
            {"reason": k, "countries": fmt.join_words(v, lang=lang)} for k, v in screens.items()
        ],
        "floor": floor,
    }


def _unknowns(view: RunView, centres: Sequence[Mapping[str, Any]], lang: str = "en") -> list[str]:
    """Plain sentences on how the run treats what is not known."""
    cand = view.candidates
    ids = set(view.criteria.get("id", pd.Series(dtype=str)).astype(str))
    out = [_tr(lang, "brief.unknowns.not_borrowed"), _tr(lang, "brief.unknowns.no_reason")]
    if "st_agreement" in ids and "value_st_agreement" in cand.columns:
        documented = cand.loc[cand["value_st_agreement"] == 1, "iso3"].nunique()
        countries = cand["iso3"].nunique()
        out.append(
            _tr(lang, "brief.unknowns.st_agreement", documented=documented, countries=countries)
        )
    if "innovation_cluster" in ids:
        out.append(_tr(lang, "brief.unknowns.clusters"))
    if "low_confidence" in cand.columns:
        low = cand["low_confidence"].astype(str).str.lower() == "true"
        threshold = view.low_confidence_share
        limit = (
            fmt.percent(threshold)
            if math.isfinite(threshold)
            else _tr(lang, "brief.unknowns.a_set_share")
        )
        flagged = [c["name"] for c in centres if c.get("low_confidence")]
        tail = (
            _tr(lang, "brief.unknowns.flagged", names=fmt.join_words(flagged, lang=lang))
            if flagged
            else _tr(lang, "brief.unknowns.none_flagged")
        )
        out.append(
            _tr(
                lang,
                "brief.unknowns.low_confidence",
                low=f"{int(low.sum()):,}",
                total=f"{len(cand):,}",
                limit=limit,
                tail=tail,
            )
        )
    return out


def _count(frame: pd.DataFrame, column: str, test: Any) -> int | None:
    if column not in frame.columns:
        return None
    values = pd.to_numeric(frame[column], errors="coerce") if test != "true" else frame[column]
    if test == "true":
        return int(sum(v is True or v == True for v in values))  # noqa: E712 (numpy bools)
    return int((values <= test).sum())


def _weight_of(view: RunView, *ids: str) -> str:
    crit = view.criteria
    if not {"id", "weight"} <= set(crit.columns):
        return ""
    w = pd.to_numeric(crit.loc[crit["id"].isin(ids), "weight"], errors="coerce").sum()
    total = pd.to_numeric(crit["weight"], errors="coerce").sum()
    if not (w > 0 and total > 0):
        return ""
    return fmt.percent(w / total)


def _constraint_names(view: RunView, *words: str, lang: str = "en") -> list[str]:
    """The constraint families whose (English) description names one of ``words``, as
    the brief writes them in ``lang`` (:func:`_family_text`)."""
    if "name" not in view.constraints.columns:
        return []
    return [
        _family_text(view, r, lang)
        for r in view.constraints.to_dict("records")
        if any(w in str(r["name"]).lower() for w in words)
    ]


def _g(value: object) -> str:
    """A scenario value as the plan model writes it (``150``, ``-1``, ``0.5``)."""
    return f"{float(value):g}"  # type: ignore[arg-type]


def _family_text(view: RunView, row: Mapping[str, Any], lang: str) -> str:
    """A constraint family of the plan in ``lang``. English: the plan model's own
    description (``name``). Another language: written here from the family's id
    (``constraint``) and the scenario's values (:attr:`RunView.plan_constraints`), one
    ``brief.family.<id>`` string a family; the description when the values are not at
    hand or the family is not one the brief knows."""
    english = str(row.get("name", ""))
    family = str(row.get("constraint", "") or "")
    pc = view.plan_constraints
    if lang == i18n.DEFAULT_LANGUAGE or pc is None or not family:
        return english

    def t(key: str, **values: Any) -> str:
        return _tr(lang, f"brief.family.{key}", **values)

    limit = row.get("limit")
    n_existing = 0 if view.existing is None else len(view.existing)
    countries = lambda codes: fmt.join_words(  # noqa: E731
        (names.country_name(c, lang, fallback=c) for c in codes), lang=lang
    )
    if family.startswith("kind:"):
        kind = next((k for k in pc.kinds if k.id == family[5:]), None)
        if kind is None:
            return english
        lo, hi = kind.min_centres, kind.max_centres
        count = (
            t("count_exactly", n=lo) if hi == lo
            else t("count_at_least", n=lo) if hi is None
            else t("count_between", low=lo, high=hi)
        )  # fmt: skip
        rules = []
        if kind.home_zone_km is not None:
            rules.append(t("rule_home_zone", km=_g(kind.home_zone_km),
                           province=_province(view, lang)))  # fmt: skip
        if kind.coop_zone_km is not None:
            rules.append(t("rule_coop_zone", km=_g(kind.coop_zone_km)))
        if kind.rail_node_km is not None:
            rules.append(t("rule_rail_node", km=_g(kind.rail_node_km)))
        if kind.st_leading:
            rules.append(t("rule_st_leading"))
        if kind.countries:
            rules.append(t("rule_countries", names=countries(kind.countries)))
        if kind.exclude_countries:
            rules.append(t("rule_exclude_countries", names=countries(kind.exclude_countries)))
        label = _kind_label({"kind": kind.id, "kind_name": kind.name}, lang)
        tail = t("rules", rules=t("rule_and").join(rules)) if rules else ""
        return t("kind", kind=label, count=count, rules=tail)
    if family in ("n_new", "n_centres"):
        n = pc.n_new if family == "n_new" else pc.n_centres
        n = int(limit) if not fmt.is_missing(limit) else n
        if n is None:
            return english
        if not n_existing:
            return t("n_alone", n=n)
        if family == "n_new":
            return t("n_new", n=n, existing=n_existing, total=n + n_existing)
        return t("n_centres", n=n, existing=n_existing)
    city_names = {}
    if {"city_id", "name"} <= set(view.candidates.columns):
        city_names = {
            int(r["city_id"]): str(_city(r, lang))
            for r in view.candidates[["city_id", "name"]].to_dict("records")
            if not fmt.is_missing(r["city_id"])
        }
    simple: dict[str, Any] = {
        "budget_musd": lambda: t("budget_musd", budget=_g(pc.budget_musd)),
        "max_per_country": lambda: t("max_per_country", n=pc.max_per_country)
        + (t("existing_included") if n_existing else ""),
        "min_on_rail_lines": lambda: t(
            "min_on_rail_lines", n=pc.min_on_rail_lines, km=_g(pc.rail_node_radius_km)
        ),
        "min_near_coop_zones": lambda: t(
            "min_near_coop_zones", n=pc.min_near_coop_zones, km=_g(pc.coop_zone_radius_km)
        ),
        "min_st_leading": lambda: t("min_st_leading", n=pc.min_st_leading),
        "max_industries_per_centre": lambda: t(
            "max_industries_per_centre", n=pc.max_industries_per_centre
        ),
        "every_industry_served": lambda: t("every_industry_served"),
        "max_centres_per_industry": lambda: t(
            "max_centres_per_industry", n=pc.max_centres_per_industry
        ),
        "required_cities": lambda: t("required_cities", names=fmt.join_words(
            (city_names.get(int(c), str(c)) for c in pc.required_cities), lang=lang)),
        "excluded_cities": lambda: t("excluded_cities", names=fmt.join_words(
            (city_names.get(int(c), str(c)) for c in pc.excluded_cities), lang=lang)),
        "required_countries": lambda: t(
            "required_countries", names=countries(pc.required_countries)
        ),
        "excluded_countries": lambda: t(
            "excluded_countries", names=countries(pc.excluded_countries)
        ),
        "min_political_stability": lambda: t(
            "min_political_stability", value=_g(pc.min_political_stability)
        ),
        "min_score_total": lambda: t("min_score_total", value=_g(pc.min_score_total)),
        "min_separation_km": lambda: t("min_separation_km", km=_g(pc.min_separation_km)),
    }  # fmt: skip
    build = simple.get(family)
    return english if build is None else build()


_CLOSEST = re.compile(r"^closest pair ([\d,.]+) km \((.*) - (.*)\)$")
_OF = re.compile(r"^([\d,.]+) of ([\d,.]+)$")
_LISTED = re.compile(r"^(-?[\d,.]+) \((.*)\)$")


def _family_value(view: RunView, text: str, lang: str) -> str:
    """The plan's value of a constraint family (the plan model's ``value_text``: ``"2
    (Ho Chi Minh City, Tashkent)"``, ``"7 of 7"``, ``"closest pair 357 km (London -
    Amsterdam)"``) in ``lang``: its numbers kept, the centres, countries (ISO3) and
    industries (ids) it lists named in ``lang``; unchanged in English."""
    if lang == i18n.DEFAULT_LANGUAGE or not text:
        return text
    cities = {str(r["name"]): str(_city(r, lang)) for r in view.centres.to_dict("records")}
    industries = {}
    if "industry_id" in view.industries.columns:
        ind_names = _industry_names(view, lang)
        industries = {
            str(r["industry_id"]): names.industry_name(
                str(r["industry_id"]), lang, ind_names.get(str(r["name"]), str(r["name"]))
            )
            for r in view.industries.to_dict("records")
        }

    def item(token: str) -> str:
        token = token.strip()
        if token in cities:
            return cities[token]
        if token in industries:
            return industries[token]
        if re.fullmatch(r"[A-Z]{3}", token):
            return names.country_name(token, lang, fallback=token)
        return token

    hit = _CLOSEST.match(text)
    if hit:
        return _tr(lang, "brief.family.value_closest", km=fmt.km(float(hit[1].replace(",", "")),
                   lang=lang), pair=f"{item(hit[2])}-{item(hit[3])}")  # fmt: skip
    hit = _OF.match(text)
    if hit:
        return _tr(lang, "brief.family.value_of", value=hit[1], total=hit[2])
    hit = _LISTED.match(text)
    if hit:
        listed = _tr(lang, "brief.list_separator").join(item(x) for x in hit[2].split(", "))
        return _tr(lang, "brief.family.value_listed", value=hit[1], items=listed)
    return text


def _verb(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _proposals(view: RunView, centres: Sequence[Mapping[str, Any]], lang: str = "en") -> list[dict]:
    c = view.centres
    n = len(c)
    out = []

    def applied(cons: list[str]) -> str:
        listed = (
            fmt.join_words(cons, lang=lang)
            if lang == i18n.DEFAULT_LANGUAGE
            else _tr(lang, "brief.clause_separator").join(cons)
        )
        return _tr(lang, "brief.proposals.constraint", names=listed)

    near_zone = _count(c, "dist_coop_zone_km", NEAR_COOP_ZONE_KM)
    own = [x for x in centres if x.get("home_zone") is not None]
    does = []
    if near_zone is not None:
        listed = fmt.join_words(
            (
                _tr(
                    lang,
                    "brief.proposals.zone_listed",
                    name=x["short_name"],
                    km=fmt.km(x["home_zone"][0], lang=lang),
                    zone=x["home_zone"][1],
                )
                for x in own
            ),
            lang=lang,
        )
        does.append(
            _tr(
                lang,
                "brief.proposals.zone_near",
                near=near_zone,
                n=n,
                verb=_verb(near_zone, "lies", "lie"),
                zone_km=f"{NEAR_COOP_ZONE_KM:,.0f}",
                own=len(own),
                home_km=f"{NEAR_HOME_ZONE_KM:,.0f}",
                province=_province(view, lang),
            )
            + (
                _tr(lang, "brief.proposals.zone_own_list", listed=listed)
                if own
                else _tr(lang, "brief.full_stop")
            )
        )
    w = _weight_of(view, "coop_zone")
    if w:
        does.append(_tr(lang, "brief.proposals.zone_weight", weight=w))
    cons = _constraint_names(view, "zone", lang=lang)
    if cons:
        does.append(applied(cons))
    out.append(
        {
            "section": "§3.1",
            "title": _tr(lang, "brief.proposals.zone_title"),
            "does": does or [_tr(lang, "brief.proposals.zone_none")],
            "not": _tr(lang, "brief.proposals.zone_not"),
        }
    )

    on_line = _count(c, "dist_rail_node_km", NEAR_RAIL_NODE_KM)
    does = []
    if on_line is not None:
        does.append(
            _tr(
                lang,
                "brief.proposals.rail_near",
                near=on_line,
                n=n,
                verb=_verb(on_line, "is", "are"),
                km=f"{NEAR_RAIL_NODE_KM:,.0f}",
            )
        )
    w = _weight_of(view, "rail_line", "rail_time")
    if w:
        does.append(_tr(lang, "brief.proposals.rail_weight", weight=w))
    cons = _constraint_names(view, "rail", "train", lang=lang)
    if cons:
        does.append(applied(cons))
    out.append(
        {
            "section": "§3.2",
            "title": _tr(lang, "brief.proposals.rail_title"),
            "does": does or [_tr(lang, "brief.proposals.rail_none")],
            "not": _tr(lang, "brief.proposals.rail_not"),
        }
    )

    ind = view.industries
    served = 0
    if "centres" in ind.columns:
        served = int(sum(bool(fmt.as_list(v)) for v in ind["centres"]))
    does = [_tr(lang, "brief.proposals.industry_served", served=served, total=len(ind))]
    w = _weight_of(view, "industry_fit")
    if w:
        does.append(_tr(lang, "brief.proposals.industry_weight", weight=w))
    out.append(
        {
            "section": "§3.3",
            "title": _tr(lang, "brief.proposals.industry_title"),
            "does": does,
            "not": _tr(lang, "brief.proposals.industry_not"),
        }
    )

    leading = _count(c, "st_leading", "true")
    does = []
    if leading is not None:
        does.append(
            _tr(
                lang,
                "brief.proposals.leading_count",
                leading=leading,
                n=n,
                verb=_verb(leading, "is", "are"),
            )
        )
    w = _weight_of(view, "innovation_index", "rd_intensity", "innovation_cluster")
    if w:
        does.append(_tr(lang, "brief.proposals.leading_weight", weight=w))
    cons = _constraint_names(view, "lead", "s&t", "science", lang=lang)
    if cons:
        does.append(applied(cons))
    out.append(
        {
            "section": "§3.4",
            "title": _tr(lang, "brief.proposals.leading_title"),
            "does": does or [_tr(lang, "brief.proposals.leading_none")],
            "not": _tr(lang, "brief.proposals.leading_not"),
        }
    )

    w = _weight_of(view, "rule_of_law", "st_agreement")
    does = []
    if w:
        does.append(_tr(lang, "brief.proposals.standards_weight", weight=w))
    out.append(
        {
            "section": "§3.5",
            "title": _tr(lang, "brief.proposals.standards_title"),
            "does": does or [_tr(lang, "brief.proposals.standards_none")],
            "not": _tr(lang, "brief.proposals.standards_not"),
        }
    )
    return out


def _status_text(view: RunView, lang: str) -> str:
    """:meth:`RunView.status_text` in ``lang`` (the English words in English)."""
    key = f"brief.status_text.{view.status}"
    if lang == i18n.DEFAULT_LANGUAGE or key not in i18n.strings(lang):
        return view.status_text()
    text = _tr(lang, key)
    gap = view.gap
    finite = isinstance(gap, int | float) and math.isfinite(gap)
    if view.status != "optimal" and view.has_plan and finite:
        text = _tr(lang, "brief.status_text.gap", text=text, gap=f"{gap:.2%}")
    return text


def _status(view: RunView, lang: str = "en") -> dict[str, Any]:
    gap = view.gap if isinstance(view.gap, int | float) else math.nan
    # Never "the best" alone: the decision section says next to this sentence how often
    # the plan survives a change of the weights (or that this was not measured).
    if view.status == "optimal":
        sentence = _tr(lang, "brief.status.optimal")
    elif view.has_plan:
        sentence = _tr(lang, "brief.status.unproved") + (
            _tr(lang, "brief.status.unproved_gap", gap=f"{gap:.1%}")
            if math.isfinite(gap)
            else _tr(lang, "brief.full_stop")
        )
    else:
        sentence = _tr(lang, "brief.status.none", status=_status_text(view, lang))
    return {
        "text": _status_text(view, lang),
        "sentence": sentence,
        "proved": view.proved_optimal,
        "objective": fmt.number(view.objective, digits=3),
        "bound": fmt.number(view.bound, digits=3),
        "gap": fmt.percent(gap, digits=2) if math.isfinite(gap) else _tr(lang, "brief.unknown"),
        "backend": view.backend,
        "time": fmt.number(view.solve_time_s, digits=1),
    }


def _criteria_rows(view: RunView, lang: str = "en") -> list[dict]:
    crit = view.criteria
    rows = []
    for r in crit.to_dict("records"):
        cid = str(r.get("id", ""))
        group = r.get("group", "")
        if lang != i18n.DEFAULT_LANGUAGE:
            # "geographic accessibility" -> brief.criterion_group.geographic
            words = str(group).strip().lower().split()
            for key in (f"brief.criterion_group.{'_'.join(words)}", *(
                [f"brief.criterion_group.{words[0]}"] if words else []
            )):
                if key in i18n.strings(lang):
                    group = _tr(lang, key)
                    break
        rows.append(
            {
                "name": _criterion(view, cid, lang),
                "group": group,
                "direction": _tr(lang, "brief.criteria.higher")
                if r.get("direction") == "higher"
                else _tr(lang, "brief.criteria.lower"),
                "unit": _unit(r.get("unit", ""), lang),
                "weight": fmt.percent(r.get("weight"), digits=1),
                "source": r.get("source", ""),
            }
        )
    return rows


def _unit(unit: object, lang: str) -> str:
    """A criterion's unit in ``lang`` (``brief.unit.<unit>``; as it is when unknown)."""
    text = "" if fmt.is_missing(unit) else str(unit)
    key = f"brief.unit.{text}"
    if lang == i18n.DEFAULT_LANGUAGE or key not in i18n.strings(lang):
        return text
    return _tr(lang, key)


def _frame_rows(frame: pd.DataFrame | None, columns: Sequence[str]) -> list[dict]:
    if frame is None or len(frame) == 0:
        return []
    rows = []
    for r in frame.to_dict("records"):
        rows.append({c: ("" if fmt.is_missing(r.get(c)) else r.get(c)) for c in columns})
    return rows


def _has_kinds(frame: pd.DataFrame) -> bool:
    return "kind" in frame.columns and any(
        not fmt.is_missing(k) and str(k) for k in frame["kind"]
    )


def _kind_key(row: Mapping[str, Any]) -> str:
    kind = row.get("kind")
    return "" if fmt.is_missing(kind) else str(kind)


def _kind_label(row: Mapping[str, Any], lang: str = "en") -> str:
    key = _kind_key(row)
    if lang != i18n.DEFAULT_LANGUAGE and key and f"brief.kind.{key}" in i18n.strings(lang):
        return _tr(lang, f"brief.kind.{key}")
    name = row.get("kind_name")
    if not fmt.is_missing(name) and str(name):
        return str(name)
    return key.replace("_", " ") if key else _tr(lang, "brief.kind_none")


def ordered_centres(view: RunView) -> list[dict[str, Any]]:
    """The centres in the order the brief and the static map number them (1..N).

    By rank among the candidates; when the centres have a ``kind`` column, grouped by
    kind first (the kinds in the order of their best-ranked centre).
    """
    if not len(view.centres):
        return []
    rows = view.centres.sort_values("rank", kind="stable").to_dict("records")
    if not _has_kinds(view.centres):
        return rows
    order: dict[str, int] = {}
    for r in rows:
        order.setdefault(_kind_key(r), len(order))
    return sorted(rows, key=lambda r: order[_kind_key(r)])


def _industry_reasons(row: Mapping[str, Any]) -> list[str]:
    """The centre's one-line reason per industry (``industry_reasons``), when the plan
    gives them: a list or tuple of lines, a mapping industry -> reason, or text with one
    reason a line (or ``" | "``-separated, as a CSV cell holds them)."""
    value = row.get("industry_reasons")
    if isinstance(value, Mapping):
        return [f"{k}: {v}" for k, v in value.items() if not fmt.is_missing(v) and str(v)]
    if isinstance(value, str):
        parts = re.split(r"\n| \| ", value)
    elif isinstance(value, Sequence) or hasattr(value, "tolist"):
        parts = list(value)  # type: ignore[arg-type]
    else:
        return []
    return [str(p).strip() for p in parts if not fmt.is_missing(p) and str(p).strip()]


def _reasons_in(
    view: RunView, row: Mapping[str, Any], lang: str, ind_names: Mapping[str, str]
) -> list[str]:
    """The centre's one-line reason per industry in ``lang``, written from its structured
    parts (``industry_reason_parts``, :func:`planner.criteria.render_reasons`); none for a
    plan without them (a run folder written before the parts were kept)."""
    from planner.criteria import reason_parts_from_json, render_reasons

    parts = reason_parts_from_json(row.get("industry_reason_parts"))
    if not parts:
        return []
    english = dict(zip(view.industries["industry_id"], view.industries["name"]))
    label = {
        i: ind_names.get(english.get(i, i), names.industry_name(i, lang, english.get(i, i)))
        for i in (str(p["industry_id"]) for p in parts)
    }
    return render_reasons(parts, lang, names=label)


def _what_for(industries: Sequence[str], reasons: Sequence[str], lang: str = "en") -> str:
    """The industries a centre serves, each with its reason when the plan gives one."""
    none = _tr(lang, "brief.no_industry")
    if not reasons:
        return fmt.join_words(industries, empty=none, lang=lang)
    sep = _tr(lang, "brief.clause_separator")
    if len(reasons) != len(industries):
        return _tr(
            lang,
            "brief.what_for_reasons",
            industries=fmt.join_words(industries, empty=none, lang=lang),
            reasons=sep.join(reasons),
        )
    return sep.join(
        r if r.casefold().startswith(i.casefold()) else f"{i}: {r}"
        for i, r in zip(industries, reasons)
    )


def _stability(share: object, runs: int, lang: str = "en") -> dict[str, str]:
    """A centre's share of the weight draws that chose it, in words.

    ``tier`` is the tier's id (firm, in between, fragile: also the HTML class); ``tier_text``
    its word in ``lang``."""
    if not runs or fmt.is_missing(share):
        return {"share": "", "tier": "", "tier_text": "", "text": _tr(lang, "brief.not_measured")}
    shown = fmt.percent(share)
    value = round(float(share) * 100) / 100  # the tier of the share as shown
    tier = "firm" if value >= FIRM_SHARE else "fragile" if value < FRAGILE_SHARE else "in between"
    words = _tr(lang, f"brief.tier.{tier.replace(' ', '_')}")
    text = _tr(lang, "brief.stability_text", share=shown, runs=f"{runs:,}", tier=words)
    return {"share": shown, "tier": tier, "tier_text": words, "text": text}


def _point(row: Mapping[str, Any]) -> tuple[float, float] | None:
    g = row.get("geometry")
    if g is not None and not getattr(g, "is_empty", True):
        return float(g.x), float(g.y)
    lon, lat = row.get("lon"), row.get("lat")
    if fmt.is_missing(lon) or fmt.is_missing(lat):
        return None
    return float(lon), float(lat)  # type: ignore[arg-type]


def _nearest(
    xy: tuple[float, float] | None, points: Sequence[tuple[float, float, str]], limit_km: float
) -> tuple[float, str] | None:
    """The nearest of ``points`` (lon, lat, name) within ``limit_km`` of ``xy``."""
    if xy is None or not points:
        return None
    lon, lat, names = zip(*points)
    km = great_circle_km(xy[0], xy[1], np.asarray(lon), np.asarray(lat))
    i = int(np.argmin(km))
    return (float(km[i]), str(names[i])) if km[i] <= limit_km else None


def _home_zones(view: RunView, lang: str = "en") -> list[tuple[float, float, str]] | None:
    """The cooperation zones the province itself sponsors (lon, lat, name in ``lang``);
    None when the run has no zone layer with sponsors."""
    zones = view.layers.get("cooperation_zones")
    if zones is None or not len(zones) or "sponsor_province" not in zones.columns:
        return None
    own = zones["sponsor_province"].astype(str).str.strip().str.casefold()
    out = []
    for r in zones[own == view.province.strip().casefold()].to_dict("records"):
        xy = _point(r)
        if xy is not None:
            out.append((xy[0], xy[1], names.layer_name(r, lang)))
    return out


def _home_zone(
    view: RunView,
    row: Mapping[str, Any],
    home: list[tuple[float, float, str]] | None,
    lang: str = "en",
) -> tuple[float, str] | None:
    """(km, name) of the nearest zone the province sponsors within NEAR_HOME_ZONE_KM."""
    if home is not None:
        return _nearest(_point(row), home, NEAR_HOME_ZONE_KM)
    # no zone layer with sponsors: the nearest zone, when it is the province's own
    km = row.get("dist_coop_zone_km")
    own = row.get("coop_zone_home") is True and not fmt.is_missing(km)
    if own and float(km) <= NEAR_HOME_ZONE_KM:  # type: ignore[arg-type]
        zone = str(row.get("nearest_coop_zone"))
        shown = _layer_names(view, "cooperation_zones", lang).get(zone, zone)
        return float(km), shown  # type: ignore[arg-type]
    return None


def _builds_on(
    view: RunView, row: Mapping[str, Any], zone: tuple[float, str] | None, lang: str = "en"
) -> list[str]:
    """What the province already has abroad that a new centre builds on: one of its own
    cooperation zones within NEAR_HOME_ZONE_KM (``zone``), an existing centre within
    NEAR_EXISTING_KM."""
    out = []
    if zone is not None:
        out.append(
            _tr(
                lang,
                "brief.builds_on.zone",
                km=fmt.km(zone[0], lang=lang),
                zone=zone[1],
                province=_province(view, lang),
            )
        )
    ex = view.existing
    if ex is not None and len(ex):
        zh = lang != i18n.DEFAULT_LANGUAGE

        def called(r: Mapping[str, Any]) -> str:
            published = str(r.get("name_published") or "")
            return published if zh and _CJK.search(published) else str(r.get("name", ""))

        located = [
            (*xy, called(r))
            for r in ex.to_dict("records")
            if (xy := _point(r)) is not None
        ]
        near = _nearest(_point(row), located, NEAR_EXISTING_KM)
        if near is not None:
            out.append(
                _tr(
                    lang,
                    "brief.builds_on.existing",
                    km=fmt.km(near[0], lang=lang),
                    province=_province(view, lang),
                    name=near[1],
                )
            )
    return out


def _robustness_context(
    view: RunView,
    centres: Sequence[Mapping[str, Any]],
    robust: Mapping[Any, Mapping[str, Any]],
    lang: str = "en",
) -> dict[str, Any]:
    """The robustness section: measured or not, the share per centre, the firm and the
    fragile, and the cities other draws chose instead."""
    runs = int(view.robustness_runs or 0)
    if not runs or not robust:
        return {"measured": False}
    firm = [c["short_name"] for c in centres if c["stability"]["tier"] == "firm"]
    fragile = [c["short_name"] for c in centres if c["stability"]["tier"] == "fragile"]
    same = view.robustness_same_plan
    chosen = {r.get("city_id") for r in ordered_centres(view)}
    names_of = {}
    if {"city_id", "name"} <= set(view.candidates.columns):
        for r in view.candidates.to_dict("records"):
            names_of[r["city_id"]] = _place(_country(r, lang), _city(r, lang), lang)
    others = sorted(
        (
            (float(r["chosen_share"]), names_of[cid])
            for cid, r in robust.items()
            if cid not in chosen and cid in names_of and not fmt.is_missing(r.get("chosen_share"))
            and float(r["chosen_share"]) >= 0.05
        ),
        key=lambda t: (-t[0], t[1]),
    )[:6]
    same_text = "" if fmt.is_missing(same) else fmt.percent(same, digits=1)
    summary = _tr(lang, "brief.robustness.summary_start", runs=f"{runs:,}") + (
        _tr(lang, "brief.robustness.summary_same", same=same_text) if same_text else ""
    ) + _tr(
        lang,
        "brief.robustness.summary_tiers",
        firm=len(firm),
        n=len(centres),
        verb=_verb(len(firm), "was", "were"),
        firm_limit=fmt.percent(FIRM_SHARE),
        fragile=len(fragile),
        fragile_limit=fmt.percent(FRAGILE_SHARE),
    )  # fmt: skip
    unknown = _tr(lang, "brief.unknown")
    none = _tr(lang, "brief.none")
    return {
        "measured": True,
        "summary": summary,
        "runs": f"{runs:,}",
        "same_plan": same_text,
        "rows": [
            {
                "number": c["number"],
                "name": c["short_name"],
                "kind": c["kind"],
                "share": c["stability"]["share"] or unknown,
                "tier": c["stability"]["tier"] or "unknown",
                "tier_text": c["stability"]["tier_text"] or unknown,
                "ranks": c["rank_interval"],
            }
            for c in centres
        ],
        "firm": fmt.join_words(firm, empty=none, lang=lang),
        "fragile": fmt.join_words(fragile, empty=none, lang=lang),
        "n_firm": len(firm),
        "n_fragile": len(fragile),
        "others": [{"name": n, "share": fmt.percent(s)} for s, n in others],
        "firm_limit": fmt.percent(FIRM_SHARE),
        "fragile_limit": fmt.percent(FRAGILE_SHARE),
    }


def _opening(
    centres: Sequence[Mapping[str, Any]], *, measured: bool, province: str, lang: str = "en"
) -> dict:
    """A suggested order of opening, in waves, by stability and readiness (the rule is
    stated in the brief)."""
    base = _tr(
        lang,
        "brief.opening.base",
        province=province,
        zone_km=f"{NEAR_HOME_ZONE_KM:,.0f}",
        existing_km=f"{NEAR_EXISTING_KM:,.0f}",
    )
    if measured:
        rule = _tr(
            lang,
            "brief.opening.rule_measured",
            firm=fmt.percent(FIRM_SHARE),
            fragile=fmt.percent(FRAGILE_SHARE),
            province=province,
            base=base,
        )
    else:
        rule = _tr(lang, "brief.opening.rule_unmeasured", province=province, base=base)
    waves: dict[int, list[Mapping[str, Any]]] = {1: [], 2: [], 3: []}
    for c in centres:
        ready = bool(c["builds_on"])
        if measured:
            step = {"firm": 0, "in between": 1}.get(c["stability"]["tier"], 2)
            wave = 1 + step + (0 if ready else 1)
        else:
            wave = 1 if ready else 2
        wave = min(wave + (1 if c["low_confidence"] else 0), 3)
        waves[wave].append(c)
    out = []
    titles = {
        1: _tr(lang, "brief.opening.wave1"),
        2: _tr(lang, "brief.opening.wave2"),
        3: _tr(lang, "brief.opening.wave3"),
    }
    sep = _tr(lang, "brief.clause_separator")
    for wave, members in waves.items():
        members = sorted(members, key=lambda c: (-c["share_value"], c["rank_value"]))
        if not members:
            continue
        out.append(
            {
                "title": titles[wave],
                "centres": [
                    {
                        "number": c["number"],
                        "name": c["short_name"],
                        "country": c["country"],
                        "place_full": c["place"],
                        "why": sep.join(
                            [c["stability"]["text"]] * measured
                            + (
                                list(c["builds_on"])
                                or [_tr(lang, "brief.opening.no_base", province=province)]
                            )
                            + [_tr(lang, "brief.opening.low_confidence")] * c["low_confidence"]
                        ),
                    }
                    for c in members
                ],
            }
        )
    return {"rule": rule, "waves": out}


_RAW_NOTE = re.compile(
    r"candidate\(s\) in [\d,]+ countr|: removed [\d,]+, [\d,]+ left$"
    r"|^[\d,]+ candidate cities before filters$|\b[a-z0-9]+_[a-z0-9_]+\b"
)


def _split_notes(view: RunView) -> tuple[list[str], list[str]]:
    """The run's data notes: sentences for a reader, and the stages' raw lines (counts
    and identifiers) for the annex."""
    reader, raw = [], []
    for note in (str(w) for w in view.warnings):
        (raw if _RAW_NOTE.search(note) else reader).append(note)
    return reader, raw


_MERGE_NOTE = re.compile(r"^[\d,]+ candidate cities folded, as sections or satellites")
_FULL_NOTE = re.compile(r"^Countries that already have [\d,]+ or more existing centres")


def _notes_in(
    view: RunView, reader: Sequence[str], raw: Sequence[str], lang: str
) -> tuple[list[str], list[str]]:
    """The run's notes for a brief in a language other than English: the notes the brief
    can write from the run's data (the cities folded into others, from the candidates'
    ``merged_from``; the countries whose existing centres fill the per-country cap, from
    the existing centres and ``max_per_country``) in ``lang``; every other note of the
    stages stays in English and goes to the annex's raw records, under a heading that
    says so."""
    out: list[str] = []
    rest = list(raw)
    for note in reader:
        if _MERGE_NOTE.match(note):
            written = _merge_note(view, lang)
        elif _FULL_NOTE.match(note):
            written = _full_note(view, lang)
        else:
            written = ""
        if written:
            out.append(written)
        else:
            rest.append(note)
    return out, rest


def _merge_note(view: RunView, lang: str) -> str:
    cand = view.candidates
    if "merged_from" not in cand.columns:
        return ""
    rows = [
        (len(str(r["merged_from"]).split("; ")), r)
        for r in cand.to_dict("records")
        if isinstance(r.get("merged_from"), str) and r["merged_from"]
    ]
    if not rows:
        return ""
    folded = sum(n for n, _ in rows)
    pop = lambda r: float(r.get("population") or 0)  # noqa: E731
    top = sorted(rows, key=lambda t: (-t[0], -pop(t[1])))[:3]
    sep = _tr(lang, "brief.list_separator")
    examples = []
    for n, r in top:
        parts = str(r["merged_from"]).split("; ")
        listed = sep.join(parts[:3])
        if n > 3:
            listed = _tr(lang, "brief.notes.more", listed=listed, n=n)
        examples.append(_tr(lang, "brief.merged", name=_city(r, lang), merged=listed))
    return _tr(
        lang, "brief.notes.merged", n=f"{folded:,}", examples=sep.join(examples)
    )


def _full_note(view: RunView, lang: str) -> str:
    pc, ex = view.plan_constraints, view.existing
    if pc is None or pc.max_per_country is None or ex is None or not len(ex):
        return ""
    counts = ex.groupby(ex["iso3"].astype(str)).size()
    full = [
        _tr(lang, "brief.notes.country_count", country=names.country_name(iso3, lang, iso3), n=n)
        for iso3, n in counts.items()
        if n >= pc.max_per_country
    ]
    if not full:
        return ""
    return _tr(
        lang,
        "brief.notes.full",
        cap=pc.max_per_country,
        countries=_tr(lang, "brief.list_separator").join(full),
    )


def _most_unknown(view: RunView, *, at_least: float = 0.1, lang: str = "en") -> str:
    """A sentence naming the criteria not known for a large share of the candidates."""
    cand = view.candidates
    if "missing_criteria" not in cand.columns or not len(cand):
        return ""
    counts: dict[str, int] = {}
    for value in cand["missing_criteria"]:
        for cid in fmt.as_list(value):
            counts[cid] = counts.get(cid, 0) + 1
    many = sorted(
        ((n, cid) for cid, n in counts.items() if n >= at_least * len(cand)),
        key=lambda t: (-t[0], t[1]),
    )
    if not many:
        return ""
    parts = [
        _tr(
            lang,
            "brief.unknowns.criterion_count",
            criterion=_criterion(view, cid, lang),
            n=f"{n:,}",
        )
        for n, cid in many
    ]
    return _tr(
        lang,
        "brief.unknowns.most",
        total=f"{len(cand):,}",
        criteria=fmt.join_words(parts, lang=lang),
    )


def _context(view: RunView, lang: str = "en") -> dict[str, Any]:
    robust: dict[Any, Mapping[str, Any]] = {}
    if view.robustness is not None and "city_id" in view.robustness.columns:
        robust = {r["city_id"]: r for r in view.robustness.to_dict("records")}
    runs = int(view.robustness_runs or 0)
    rows = ordered_centres(view)
    existing = _existing_context(view, lang)
    home = _home_zones(view, lang)
    kinds = _has_kinds(view.centres)
    ind_names = _industry_names(view, lang)
    corridor_names = _layer_names(view, "corridors", lang)
    sep = _tr(lang, "brief.clause_separator")
    centres = []
    for number, r in enumerate(rows, start=1):
        rob = robust.get(r.get("city_id"))
        c = _centre(view, r, rob, lang, ind_names)
        c["number"] = number  # as on the static map; "rank" is the rank among all candidates
        c["adds"] = _adds(r, existing, lang, ind_names, corridor_names) if existing else ""
        c["kind"] = _kind_label(r, lang) if kinds else ""
        c["short_name"] = _city(r, lang)
        c["place"] = _place(c["country"], c["short_name"], lang)
        c["place_full"] = _place(c["country"], c["name"], lang)
        reasons = (
            _industry_reasons(r) if lang == i18n.DEFAULT_LANGUAGE
            else _reasons_in(view, r, lang, ind_names)
        )  # fmt: skip
        c["what_for"] = _what_for(c["industries"], reasons, lang)
        c["stability"] = _stability(
            rob.get("chosen_share") if rob else None, runs if rob else 0, lang
        )
        share = c["stability"]["share"]
        c["share_value"] = float(rob["chosen_share"]) if share and rob else -1.0
        c["rank_value"] = float(r["rank"]) if not fmt.is_missing(r.get("rank")) else math.inf
        lo, hi = (rob.get("rank_low"), rob.get("rank_high")) if rob else (None, None)
        c["rank_interval"] = (
            "" if fmt.is_missing(lo) or fmt.is_missing(hi)
            else f"{fmt.number(lo)}-{fmt.number(hi)}"
        )  # fmt: skip
        c["home_zone"] = _home_zone(view, r, home, lang)
        c["builds_on"] = _builds_on(view, r, c["home_zone"], lang)
        risks = [
            _tr(lang, "brief.risk.line", label=_lower_first(label, lang), value=value)
            for label, value in c["risks"]
        ]
        if c["missing"]:
            risks.append(
                _tr(
                    lang,
                    "brief.risk.not_known",
                    criteria=_tr(lang, "brief.list_separator").join(c["missing"]),
                )
            )
        if c["confidence"]:
            risks.append(c["confidence"])
        c["risk_line"] = sep.join(risks)
        c["why_line"] = sep.join(
            _tr(lang, "brief.driver_share", label=d["label"], share=d["share"])
            for d in c["drivers"][:3]
        )
        centres.append(c)
    groups: list[dict[str, Any]] = []
    for c in centres:
        if not groups or groups[-1]["kind"] != c["kind"]:
            title = c["kind"][:1].upper() + c["kind"][1:]
            groups.append({"kind": c["kind"], "title": title, "centres": []})
        groups[-1]["centres"].append(c)
    names_list = [
        _tr(lang, "brief.name_country", name=c["name"], country=c["country"]) for c in centres
    ]
    ind = view.industries
    unserved = []
    if {"name", "centres"} <= set(ind.columns):
        unserved = [
            ind_names.get(str(r["name"]), str(r["name"]))
            for r in ind.to_dict("records")
            if not fmt.as_list(r["centres"])
        ]
    constraints = []
    for r in _frame_rows(
        view.constraints, ("name", "constraint", "value", "plan", "limit", "slack", "binds")
    ):
        plan_text = _family_value(view, str(r.get("plan") or ""), lang)
        binds = r["binds"] is True or r["binds"] == True  # noqa: E712
        constraints.append(
            {
                "name": _family_text(view, r, lang),
                "value": str(plan_text)
                if isinstance(plan_text, str) and plan_text
                else fmt.number(r["value"], digits=2, missing=""),
                "limit": fmt.number(
                    r["limit"], digits=0 if float(r["limit"] or 0).is_integer() else 2, missing=""
                ),
                "binds": _tr(lang, "brief.yes" if binds else "brief.no"),
            }
        )
    robustness = _robustness_context(view, centres, robust, lang)
    reader_notes, raw_notes = _split_notes(view)
    if lang != i18n.DEFAULT_LANGUAGE:
        reader_notes, raw_notes = _notes_in(view, reader_notes, raw_notes, lang)
    unknowns = _unknowns(view, centres, lang)
    most = _most_unknown(view, lang=lang)
    if most:
        unknowns.insert(0, most)
    kind_counts = []
    if kinds:
        kind_counts = [
            _tr(lang, "brief.kind_count", n=len(g["centres"]), kind=g["kind"]) for g in groups
        ]
    return {
        "lang": lang,
        "title": _title(view, lang),
        "province": _province(view, lang),
        "scenario": view.scenario_name,
        "n_centres": len(centres),
        "centres": centres,
        "groups": groups,
        "kinds": kinds,
        "kind_counts": fmt.join_words(kind_counts, empty="", lang=lang),
        "existing": existing,
        "centre_names": fmt.join_words(names_list, lang=lang),
        "n_industries": len(ind),
        "unserved": fmt.join_words(unserved, empty="", lang=lang),
        "n_candidates": fmt.number(len(view.candidates)),
        "status": _status(view, lang),
        "proposals": _proposals(view, centres, lang),
        "robustness": robustness,
        "opening": _opening(
            centres, measured=robustness["measured"], province=_province(view, lang), lang=lang
        ),
        "constraints": constraints,
        "criteria": _criteria_rows(view, lang),
        "sources": _frame_rows(view.sources, ("layer", "source", "year", "licence")),
        "notes": reader_notes,
        "raw_notes": raw_notes,
        "origins": [_origin(o, lang) for o in view.origins],
        "near_rail_km": f"{NEAR_RAIL_NODE_KM:,.0f}",
        "near_zone_km": f"{NEAR_COOP_ZONE_KM:,.0f}",
        "excluded": _excluded(view, lang),
        "unknowns": unknowns,
        "firm_limit": fmt.percent(FIRM_SHARE),
        "fragile_limit": fmt.percent(FRAGILE_SHARE),
        "backtest": _backtest_context(view.backtest, weights_file=view.weights_file, lang=lang),
    }


def _origin(origin: Any, lang: str) -> str:
    """A home-province origin with its role: ``"Yiwu (rail)"``; in Chinese 义乌（铁路枢纽）
    (:func:`planner.names.origin_name`)."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return f"{origin.name} ({origin.role})"
    name = names.origin_name(str(origin.name), lang)
    key = f"map.role.{origin.role}"
    role = _tr(lang, key) if key in i18n.strings(lang) else str(origin.role)
    return _tr(lang, "brief.origin", name=name, role=role)


def _lower_first(label: str, lang: str) -> str:
    """A label inside a sentence: English lowers its first letter; Chinese has no case."""
    return f"{label[:1].lower()}{label[1:]}" if lang == i18n.DEFAULT_LANGUAGE else label


def _province(view: RunView, lang: str) -> str:
    """The province's name in ``lang`` (``brief.province.<name>`` when the brief has it)."""
    key = f"brief.province.{view.province.strip().lower()}"
    if lang != i18n.DEFAULT_LANGUAGE and key in i18n.strings(lang):
        return _tr(lang, key)
    return view.province


def _title(view: RunView, lang: str) -> str:
    """The brief's title: the scenario's own in English; in another language a title in
    that language built from the province."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return view.title
    return _tr(lang, "brief.title", province=_province(view, lang))


# ---------------------------------------------------------------------------- static map


def render_static_map(
    view: RunView, *, width_in: float = 10.0, dpi: int = 120, lang: str = "en"
) -> bytes:
    """A PNG of the plan: countries, rail lines, cooperation zones, origins, labelled centres.

    Parameters
    ----------
    width_in
        Figure width in inches (height follows the plan's extent, 0.5 to 0.8 of it).
    dpi
        Resolution in dots per inch.
    lang
        Language of the labels and the legend; Chinese labels are drawn with the font of
        :func:`_cjk_font` (matplotlib reads the first face of a collection), or with the
        default font, whose boxes stand for the glyphs it lacks, when none is installed.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    centre_pts = [(float(g.x), float(g.y)) for g in view.centres.geometry if g is not None]
    pts = centre_pts + [(float(o.lon), float(o.lat)) for o in view.origins]
    pts += _line_ends_near(view.layers.get("rail_lines"), centre_pts)
    if pts:
        lons, lats = zip(*pts)
        x0, x1 = min(lons) - 12, max(lons) + 12
        y0, y1 = max(min(lats) - 8, -60), min(max(lats) + 8, 80)
    else:
        x0, x1, y0, y1 = -20.0, 150.0, -40.0, 70.0
    # widen the shorter side so the frame is between 2:1 and 5:4 (degrees kept square)
    aspect = (y1 - y0) / (x1 - x0)
    if aspect < 0.5:
        pad = (0.5 * (x1 - x0) - (y1 - y0)) / 2
        y0, y1, aspect = y0 - pad, y1 + pad, 0.5
    elif aspect > 0.8:
        pad = ((y1 - y0) / 0.8 - (x1 - x0)) / 2
        x0, x1, aspect = x0 - pad, x1 + pad, 0.8
    font = _map_font(lang)
    if font is None and lang != i18n.DEFAULT_LANGUAGE:
        lang = i18n.DEFAULT_LANGUAGE  # no font for its glyphs: labels that can be read
    fig = Figure(figsize=(width_in, width_in * aspect), dpi=dpi)
    fig.patch.set_facecolor("#dbe9f4")
    ax = fig.add_axes((0, 0, 1, 1))
    countries = view.layers.get("countries")
    if countries is not None and len(countries):
        countries.plot(ax=ax, color="#f4f1ea", edgecolor="#9a9a9a", linewidth=0.4)
    rail = view.layers.get("rail_lines")
    if rail is not None and len(rail):
        routed = rail["routed"].fillna(False).astype(bool) if "routed" in rail else None
        if routed is None:
            rail.plot(ax=ax, color="#8c1d18", linewidth=1.0)
        else:
            if routed.any():
                rail[routed].plot(ax=ax, color="#8c1d18", linewidth=1.0)
            if (~routed).any():
                rail[~routed].plot(ax=ax, color="#8c1d18", linewidth=0.8, linestyle="--")
    zones = view.layers.get("cooperation_zones")
    if zones is not None and len(zones) and "geometry" in zones:
        ax.scatter(
            [g.x for g in zones.geometry],
            [g.y for g in zones.geometry],
            s=10,
            color="#7a6fb0",
            zorder=3,
            label="cooperation zone",
        )
    for o in view.origins:
        ax.scatter([o.lon], [o.lat], s=50, color="#ffd92f", edgecolor="black", zorder=4)
    ex = view.existing
    if ex is not None and len(ex):
        located = [g for g in ex.geometry if g is not None and not g.is_empty]
        ax.scatter(
            [g.x for g in located], [g.y for g in located], s=45, marker="s",
            color="#2e8b57", edgecolor="white", zorder=4,
        )  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    # centres numbered 1..N in the order of the brief's table, each labelled where its
    # label overlaps no other label or marker
    placed: list[Any] = []
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    rows = ordered_centres(view)
    colours = _kind_colours(view, lang)
    for number, r in enumerate(rows, start=1):
        g = r["geometry"]
        if g is None or g.is_empty:
            continue
        colour = colours.get(_kind_label(r, lang), _CENTRE_COLOURS[0])
        ax.scatter([g.x], [g.y], s=160, color=colour, edgecolor="white", zorder=5)
        ax.text(
            g.x, g.y, str(number), color="white", fontsize=8,
            ha="center", va="center", zorder=6, fontweight="bold", parse_math=False,
        )  # fmt: skip
        marker = ax.transData.transform((g.x, g.y))
        placed.append(_box(marker[0] - 12, marker[1] - 12, marker[0] + 12, marker[1] + 12))
    for number, r in enumerate(rows, start=1):
        g = r["geometry"]
        if g is None or g.is_empty:
            continue
        _place_label(ax, renderer, f"{number} {_city(r, lang)}", (g.x, g.y), placed, font)
    _legend(ax, view, placed, renderer, lang=lang, font=font)
    ax.set_axis_off()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


#: A train line's end is kept inside the static map when it lies within this distance of
#: a centre (so a plan that reaches Europe shows the Yiwu-Madrid terminus and Iberia).
LINE_END_REACH_KM = 2500.0


def _line_ends_near(
    lines: pd.DataFrame | None, centres: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The ends of the train lines within LINE_END_REACH_KM of a centre (lon, lat)."""
    if lines is None or not len(lines) or not centres or "geometry" not in lines:
        return []
    ends = []
    for g in lines.geometry:
        if g is None or g.is_empty or g.geom_type != "LineString":
            continue
        ends += [tuple(map(float, g.coords[0][:2])), tuple(map(float, g.coords[-1][:2]))]
    if not ends:
        return []
    lon, lat = (np.asarray(v) for v in zip(*ends))
    near = np.zeros(len(ends), dtype=bool)
    for cx, cy in centres:
        near |= great_circle_km(cx, cy, lon, lat) <= LINE_END_REACH_KM
    return [e for e, keep in zip(ends, near) if keep]  # type: ignore[misc]


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    return (x0, y0, x1, y1)


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


#: Where a label may sit beside its marker (points), tried in turn; the later ones are
#: farther away and get a leader line.
_LABEL_OFFSETS: tuple[tuple[float, float], ...] = (
    (9, 6), (9, -14), (-9, 6), (-9, -14), (0, 12), (0, -20),
    (24, 22), (24, -30), (-24, 22), (-24, -30), (40, 6), (-40, 6), (0, 36), (0, -44),
)


def _place_label(
    ax: Any,
    renderer: Any,
    text: str,
    xy: tuple[float, float],
    placed: list[Any],
    font: Any = None,
) -> None:
    """Annotate ``xy`` at the first offset where the label overlaps nothing in ``placed``
    (display boxes of labels and markers), drawing a leader line beyond the nearest ones;
    the box it takes is added to ``placed``."""
    style = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}
    for i, (dx, dy) in enumerate((*_LABEL_OFFSETS, _LABEL_OFFSETS[0])):
        last = i == len(_LABEL_OFFSETS)
        far = abs(dx) > 12 or abs(dy) > 24
        label = ax.annotate(
            text, xy, xytext=(dx, dy), textcoords="offset points", fontsize=9, zorder=6,
            parse_math=False, bbox=style, ha="left" if dx >= 0 else "right",
            arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.6} if far else None,
            **({"fontproperties": font} if font is not None else {}),
        )  # fmt: skip
        extent = label.get_window_extent(renderer)
        box = _box(extent.x0, extent.y0, extent.x1, extent.y1)
        if last or not any(_overlaps(box, other) for other in placed):
            placed.append(box)
            return
        label.remove()


#: Marker colours of the centres, one per kind of centre (the first when no kinds).
_CENTRE_COLOURS = ("#1f3b73", "#d95f02", "#c51b7d", "#8c510a", "#4d4d4d")


def _kind_colours(view: RunView, lang: str = "en") -> dict[str, str]:
    """Kind label -> marker colour, in the brief's order of the kinds."""
    if not _has_kinds(view.centres):
        return {}
    labels = list(dict.fromkeys(_kind_label(r, lang) for r in ordered_centres(view)))
    return {k: _CENTRE_COLOURS[i % len(_CENTRE_COLOURS)] for i, k in enumerate(labels)}


def _map_font(lang: str) -> Any:
    """The matplotlib font of the static map's text in ``lang``: None (matplotlib's
    default) in English, the CJK font in Chinese when one is installed (when none is,
    :func:`render_static_map` draws the map in English)."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return None
    cjk = _cjk_font()
    if cjk is None:
        return None
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=cjk[0])


def _legend(
    ax: Any,
    view: RunView,
    placed: Sequence[Any],
    renderer: Any,
    *,
    lang: str = "en",
    font: Any = None,
) -> None:
    """The legend, in the first corner where it covers no centre nor label (``placed``),
    and the line naming the boundary source."""
    from matplotlib.lines import Line2D

    kinds = _kind_colours(view, lang)
    province = _province(view, lang)
    handles = [
        Line2D([], [], marker="o", ls="", ms=9, mfc=colour, mec="white",
               label=_tr(lang, "brief.map.centre_kind", kind=kind).replace("$", "\\$"))
        for kind, colour in kinds.items()
    ] or [
        Line2D([], [], marker="o", ls="", ms=9, mfc=_CENTRE_COLOURS[0], mec="white",
               label=_tr(lang, "brief.map.centre")),
    ]  # fmt: skip
    handles += [
        Line2D([], [], marker="o", ls="", ms=7, mfc="#ffd92f", mec="black",
               label=_tr(lang, "brief.map.origins", province=province)),
    ]  # fmt: skip
    if view.existing is not None and len(view.existing):
        handles.append(
            Line2D([], [], marker="s", ls="", ms=6, mfc="#2e8b57", mec="white",
                   label=_tr(lang, "brief.map.existing", province=province))
        )  # fmt: skip
    handles += [
        Line2D([], [], marker="o", ls="", ms=4, mfc="#7a6fb0", mec="#7a6fb0",
               label=_tr(lang, "brief.map.zone")),
        Line2D([], [], color="#8c1d18", lw=1.0, label=_tr(lang, "brief.map.rail")),
        Line2D([], [], color="#8c1d18", lw=0.8, ls="--",
               label=_tr(lang, "brief.map.rail_straight")),
    ]  # fmt: skip
    prop = {"size": 7} if font is None else font.copy()
    if font is not None:
        prop.set_size(7)
    for loc in ("lower left", "upper left", "lower right", "upper right", "lower left"):
        legend = ax.legend(handles=handles, loc=loc, prop=prop, framealpha=0.9)
        e = legend.get_window_extent(renderer)
        if not any(_overlaps(_box(e.x0, e.y0, e.x1, e.y1), box) for box in placed):
            break
    legend.set_zorder(7)
    ax.text(
        0.995, 0.005, _tr(lang, "brief.map.boundaries"),
        transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="#444444",
        zorder=7, parse_math=False, **({"fontproperties": font} if font is not None else {}),
    )  # fmt: skip


def _backtest_context(
    result: Any, *, weights_file: str = "", lang: str = "en"
) -> dict[str, Any]:
    """What the brief's backtest section says, for decision makers: the headline
    comparison with the baselines, the centres the method agreed with and those it did
    not (with the criteria that held them back), and where the weights came from.

    ``result`` is a :class:`planner.analysis.Backtest` (read by its attributes only: the
    outputs import no analysis stage)."""
    out: dict[str, Any] = {"weights_file": weights_file, "shown": result is not None}
    if result is None:
        return out
    s = result.summary.set_index("method")
    na = _tr(lang, "brief.backtest.na")

    def pct(v: float) -> str:
        return na if not np.isfinite(v) else f"{v:.0f}"

    def share(v: float) -> str:
        return na if not np.isfinite(v) else f"{v:.0%}"

    def km(v: float) -> str:
        return na if not np.isfinite(v) else fmt.km(v, lang=lang)

    out["rows"] = [
        {
            "label": _tr(lang, f"brief.backtest.method_{m}"),
            "median": pct(s.at[m, "median_percentile"]),
            "top": share(s.at[m, "top_n_hit_rate"]),
            "plan": share(s.at[m, "plan_hit_rate"]),
            "dist": km(s.at[m, "mean_dist_to_plan_km"]),
            "country": share(s.at[m, "country_hit_rate"]),
        }
        for m in ("method", "population", "random")
    ]
    out["source"] = result.source
    out["n_sites"] = result.n_sites
    out["n_candidates"] = f"{result.n_candidates:,}"
    out["radius_km"] = f"{result.radius_km:g}"
    better = s.at["method", "median_percentile"] > s.at["population", "median_percentile"]
    out["verdict"] = _tr(lang, "brief.backtest.better" if better else "brief.backtest.not_better")
    c = result.centres
    cities = c[c["match"].isin(["city", "nearest"])]
    agreed = cities[(cities["in_plan"].fillna(False)) | (cities["in_top_n"].fillna(False))]
    missed = cities.drop(agreed.index)

    def line(r: Any, *, why: str) -> str:
        drivers = str(r[why] or "").replace(";", _tr(lang, "brief.list_separator").rstrip())
        if lang == i18n.DEFAULT_LANGUAGE:
            drivers = str(r[why] or "").replace(";", ", ")
        head = _tr(
            lang,
            "brief.backtest.line",
            name=r["name"],
            city=r["city"],
            country=r["iso3"] if lang == i18n.DEFAULT_LANGUAGE else _country(r, lang),
            rank=int(r["rank"]),
            total=f"{result.n_candidates:,}",
            percentile=f"{r['percentile']:.0f}",
        )
        if not drivers:
            return head
        key = "brief.backtest.lifted" if why == "lifts" else "brief.backtest.held_back"
        return head + _tr(lang, key, drivers=drivers)

    out["agreed"] = [line(r, why="lifts") for r in agreed.to_dict("records")]
    out["missed"] = [line(r, why="holds_back") for r in missed.to_dict("records")]
    other = c[~c["match"].isin(["city", "nearest"])]
    out["unmatched"] = [
        _tr(
            lang,
            "brief.backtest.unmatched",
            name=r["name"],
            country=r["iso3"] if lang == i18n.DEFAULT_LANGUAGE else _country(r, lang),
            reason=r["reason"],
        )
        for r in other.to_dict("records")
    ]
    return out


# ---------------------------------------------------------------------------- render


def _env(*, html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=html,
        finalize=None if html else md_escape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    return env


def _template(name: str, lang: str) -> str:
    """The template of ``name`` (``brief.md.j2``) in ``lang``: English's as it is, another
    language's with its code after the first part (``brief.zh.md.j2``)."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return name
    head, _, rest = name.partition(".")
    return f"{head}.{lang}.{rest}"


def render_brief(view: RunView, *, map_png: bytes | None = None, lang: str = "en") -> BriefDocs:
    """The strategy brief of ``view`` as Markdown and HTML.

    Parameters
    ----------
    map_png
        A static map to embed; drawn with :func:`render_static_map` when None.
    lang
        The brief's language (:data:`planner.i18n.LANGUAGES`); the Markdown then
        references the static map as ``i18n.output_name("map.png", lang)``.
    """
    if not isinstance(view, RunView):
        msg = f"view must be a RunView built by the pipeline, got {type(view).__name__!r}."
        raise TypeError(msg)
    i18n.strings(lang)  # an unknown language is refused before any work
    ctx = _context(view, lang)
    png = map_png if map_png is not None else render_static_map(view, lang=lang)
    chart_png, chart = _robustness_chart(view, lang)
    md = (
        _env(html=False)
        .get_template(_template("brief.md.j2", lang))
        .render(**ctx, map_file=i18n.output_name("map.png", lang), robustness_file=chart)
    )
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    chart_uri = (
        "data:image/png;base64," + base64.b64encode(chart_png).decode("ascii")
        if chart_png
        else ""
    )
    page = (
        _env(html=True)
        .get_template(_template("brief.html.j2", lang))
        .render(**ctx, map_src=data_uri, robustness_src=chart_uri)
    )
    log.info("wrote a strategy brief of %d centres (%d words)", ctx["n_centres"], len(md.split()))
    return BriefDocs(md, page, png, chart_png, chart)


def _robustness_chart(view: RunView, lang: str) -> tuple[bytes, str]:
    """The robustness chart of the brief in ``lang`` and its file name in the run folder.

    English: the chart the run drew (``robustness.png``). Another language: the same
    chart drawn from the robustness table (the share of draws that chose each city, its
    binomial standard error ``sqrt(p (1 - p) / n)``, the plan's centres darker) with the
    language's title, axis label, legend and city names, in the CJK font of the static
    map (``robustness.zh.png``); without that font, or without the table, the English
    chart, with a warning. Nothing when the run measured no robustness.
    """
    english = (view.robustness_png, "robustness.png") if view.robustness_png else (b"", "")
    table, runs = view.robustness, int(view.robustness_runs or 0)
    if lang == i18n.DEFAULT_LANGUAGE or table is None or runs <= 0:
        return english
    if not {"city_id", "chosen_share"} <= set(table.columns):
        return english
    font = _map_font(lang)
    if font is None:
        if not view.robustness_png:
            return english
        log.warning(
            "%s not drawn: no font with Chinese glyphs is installed (looked for %s); the "
            "brief shows the English chart robustness.png. Install one, e.g. Debian's "
            "fonts-noto-cjk (apt-get install fonts-noto-cjk).",
            i18n.output_name("robustness.png", lang),
            ", ".join(p for p, _ in CJK_FONTS),
        )
        return english
    from planner.analysis import robustness_chart_png

    in_plan = set(view.centres["city_id"]) if "city_id" in view.centres.columns else set()
    share = pd.to_numeric(table["chosen_share"], errors="coerce")
    shown = table[(share > 0) | table["city_id"].isin(in_plan)].head(15)
    p = pd.to_numeric(shown["chosen_share"], errors="coerce").to_numpy(float)
    cities = {r["city_id"]: r for r in view.candidates.to_dict("records")}
    labels = []
    for city in shown["city_id"]:
        row = cities.get(city, {"city_id": city, "name": str(city)})
        name, country = _city(row, lang), _country(row, lang)
        # a city state reads once: 新加坡, not 新加坡（新加坡）
        labels.append(
            name if not country or str(name).startswith(str(country))
            else _tr(lang, "brief.robustness_chart.label", city=name, country=country)
        )  # fmt: skip
    png = robustness_chart_png(
        labels, p, np.sqrt(p * (1.0 - p) / runs), shown["city_id"].isin(in_plan).to_numpy(bool),
        xlabel=_tr(lang, "brief.robustness_chart.xlabel", runs=fmt.number(runs)),
        title=_tr(lang, "brief.robustness_chart.title"),
        legend=(_tr(lang, "brief.robustness_chart.in_plan"),
                _tr(lang, "brief.robustness_chart.other")),
        font=font,
    )  # fmt: skip
    return png, i18n.output_name("robustness.png", lang)


def _pdf_available() -> bool:
    return importlib.util.find_spec("fpdf") is not None


#: Fonts with Chinese glyphs, where Debian's packages put them (path, face of a collection):
#: fonts-noto-cjk (face 2 of the collection is Simplified Chinese) and fonts-wqy-zenhei.
CJK_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff]")


def _cjk_font() -> tuple[str, int] | None:
    return next(((path, face) for path, face in CJK_FONTS if Path(path).is_file()), None)


def _render_pdf(view: RunView, png: bytes, *, lang: str = "en", chart: bytes = b"") -> bytes:
    """The PDF brief, with the static map ``png`` and, where the template marks its place
    (``<!--CHART-->``, the Chinese one), the robustness chart ``chart``. In English,
    DejaVu is the text font and a CJK font, when installed, the fallback for names
    written in Chinese; in Chinese the CJK font (which has Latin glyphs too) is the text
    font, and the caller makes sure one is installed."""
    import matplotlib
    from fpdf import FPDF

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    ctx = _context(view, lang)
    body = _env(html=True).get_template(_template("brief.pdf.j2", lang)).render(**ctx)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.add_font("DejaVu", "BI", str(fonts / "DejaVuSans-BoldOblique.ttf"))
    # names as published (the existing centres') may be Chinese, which DejaVu lacks
    cjk = _cjk_font() if _CJK.search(body) else None
    if cjk is not None:
        pdf.add_font("CJK", "", cjk[0], collection_font_number=cjk[1])
        pdf.set_fallback_fonts(["CJK"], exact_match=False)
    elif _CJK.search(body):
        log.warning(
            "brief.pdf: no font with Chinese glyphs is installed, so names written in "
            "Chinese are left blank in the PDF (brief.html and brief.md have them); install "
            "one, e.g. Debian's fonts-noto-cjk."
        )
    family = "DejaVu"
    if lang != i18n.DEFAULT_LANGUAGE and cjk is not None:
        # the CJK font is the main font; its bold face where the package ships one (Noto
        # CJK's Bold collection), else the regular one, and no italic (CJK has none)
        bold = cjk[0].replace("-Regular.", "-Bold.")
        bold = bold if bold != cjk[0] and Path(bold).is_file() else cjk[0]
        for style, path in (("B", bold), ("I", cjk[0]), ("BI", bold)):
            pdf.add_font("CJK", style, path, collection_font_number=cjk[1])
        pdf.set_fallback_fonts(["DejaVu"], exact_match=False)
        family = "CJK"
    pdf.set_font(family, size=10)
    pdf.set_title(ctx["title"])
    pdf.add_page()
    head, _, tail = body.partition("<!--MAP-->")
    quiet = _MissingGlyphs()  # said once above, not glyph by glyph
    logging.getLogger("fpdf.output").addFilter(quiet)
    try:
        pdf.write_html(head, font_family=family)
        if png:
            pdf.image(io.BytesIO(png), w=pdf.epw)
        # a template that shows the robustness chart marks its place
        middle, _, tail = tail.partition("<!--CHART-->")
        pdf.write_html(middle, font_family=family)
        if chart and tail:
            pdf.image(io.BytesIO(chart), w=pdf.epw * 0.8)
        if tail:
            pdf.write_html(tail, font_family=family)
        return bytes(pdf.output())
    finally:
        logging.getLogger("fpdf.output").removeFilter(quiet)


class _MissingGlyphs(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "missing the following glyphs" not in record.getMessage()


def save_brief(
    view: RunView,
    folder: str | Path,
    *,
    pdf: bool | Literal["auto"] = "auto",
    lang: str = "en",
) -> tuple[Path, ...]:
    """Write the brief of ``view`` into ``folder`` atomically.

    Writes ``brief.md``, ``brief.html``, ``map.png``, ``robustness.png`` when the view
    carries a robustness chart, and, with ``pdf=True`` or ``"auto"``
    when the optional ``fpdf2`` package is installed, ``brief.pdf``. In a language other
    than English the files carry its code (:func:`planner.i18n.output_name`:
    ``brief.zh.md``, ``brief.zh.html``, ``map.zh.png``, ``brief.zh.pdf``).

    A Chinese PDF needs a font with Chinese glyphs (:data:`CJK_FONTS`, e.g. Debian's
    ``fonts-noto-cjk``). Without one, ``pdf="auto"`` logs a warning naming the package
    and writes the Markdown and HTML only; ``pdf=True`` is an :class:`OutputError`.

    Parameters
    ----------
    pdf
        True: write the PDF (ImportError naming the install command if ``fpdf2`` is
        missing); False: no PDF; ``"auto"``: write it when ``fpdf2`` is installed.
    lang
        The brief's language (:data:`planner.i18n.LANGUAGES`).

    Returns
    -------
    tuple of Path
        The files written.
    """
    if pdf not in (True, False, "auto"):
        msg = f"pdf must be True, False or 'auto', got {pdf!r}."
        raise ValueError(msg)
    if pdf is True and not _pdf_available():
        msg = "The PDF brief needs the fpdf2 package. Install it with: pip install fpdf2"
        raise ImportError(msg)
    i18n.strings(lang)  # an unknown language is refused before anything is written
    no_font = lang != i18n.DEFAULT_LANGUAGE and _cjk_font() is None
    if no_font and pdf is True:
        msg = (
            f"The PDF brief in {lang!r} needs a font with Chinese glyphs, and none is "
            f"installed (looked for {', '.join(p for p, _ in CJK_FONTS)}). Install one, "
            "e.g. Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk), or leave out --pdf."
        )
        raise OutputError(msg)
    folder = Path(folder)
    docs = render_brief(view, lang=lang)
    written = [
        write_text(folder / i18n.output_name("brief.md", lang), docs.markdown),
        write_text(folder / i18n.output_name("brief.html", lang), docs.html),
        write_bytes(folder / i18n.output_name("map.png", lang), docs.map_png),
    ]
    if docs.robustness_png:
        written.append(write_bytes(folder / docs.robustness_file, docs.robustness_png))
    if pdf is True or (pdf == "auto" and _pdf_available()):
        if no_font:
            log.warning(
                "%s not written: no font with Chinese glyphs is installed (looked for %s). "
                "%s and %s are written. Install one, e.g. Debian's fonts-noto-cjk "
                "(apt-get install fonts-noto-cjk), and run planner brief RUN_DIR --lang %s.",
                i18n.output_name("brief.pdf", lang),
                ", ".join(p for p, _ in CJK_FONTS),
                i18n.output_name("brief.md", lang),
                i18n.output_name("brief.html", lang),
                lang,
            )
        else:
            written.append(
                write_bytes(
                    folder / i18n.output_name("brief.pdf", lang),
                    _render_pdf(view, docs.map_png, lang=lang, chart=docs.robustness_png),
                )
            )
    return tuple(written)
