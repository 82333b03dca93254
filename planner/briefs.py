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
    """

    markdown: str
    html: str
    map_png: bytes


# ---------------------------------------------------------------------------- context


def _stability_words(value: object) -> str:
    if fmt.is_missing(value):
        return "no data"
    v = float(value)  # type: ignore[arg-type]
    if v >= 0.5:
        words = "stable"
    elif v >= 0.0:
        words = "fairly stable"
    elif v >= -1.0:
        words = "some political risk"
    else:
        words = "high political risk"
    return f"{words} (World Bank WGI estimate {v:+.2f} on a scale of -2.5 to +2.5)"


def _centre(view: RunView, row: Mapping[str, Any], robust: Mapping[str, Any] | None) -> dict:
    industries = fmt.as_list(row.get("industries"))
    drv = drivers(view, row, n=4)
    top = {d.criterion for d in drv}
    weak = [d for d in weak_points(view, row, n=6) if d.criterion not in top][:3]
    access = [
        ("Rail freight from the province's rail hub", fmt.hours(row.get("rail_time_h"))),
        ("Sea freight from the province's port", fmt.hours(row.get("sea_time_h"))),
        ("Air travel for people (OpenFlights 2014 routes)", fmt.air_trip(row)),
    ]
    if not fmt.is_missing(row.get("nearest_rail_node")):
        access.append(
            (
                "Nearest international train-line city",
                f"{row.get('nearest_rail_node')}, {fmt.km(row.get('dist_rail_node_km'))} away",
            )
        )
    if not fmt.is_missing(row.get("nearest_coop_zone")):
        home = " (one of the province's own)" if row.get("coop_zone_home") is True else ""
        access.append(
            (
                "Nearest overseas cooperation zone",
                f"{row.get('nearest_coop_zone')}{home}, "
                f"{fmt.km(row.get('dist_coop_zone_km'))} away",
            )
        )
    risks = [("Political stability", _stability_words(row.get("political_stability")))]
    if "cultural_distance" in row:
        cd = row.get("cultural_distance")
        risks.append(
            (
                "Cultural distance from China",
                "no data"
                if fmt.is_missing(cd)
                else f"{fmt.number(cd, digits=2)} (Hofstede-based index; 0 = like China)",
            )
        )
    if "st_agreement" in row:
        risks.append(
            (
                "Science and technology agreement with China",
                fmt.yes_no(row.get("st_agreement"), missing="not known"),
            )
        )
    missing = [view.criterion_label(c) for c in fmt.as_list(row.get("missing_criteria"))]
    low = row.get("low_confidence") is True or row.get("low_confidence") == True  # noqa: E712
    share = row.get("imputed_weight_share")
    confidence = ""
    if not fmt.is_missing(share):
        confidence = (
            f"{fmt.percent(share)} of its criterion weight rests on values not known for it"
        )
        if low:
            confidence = "LOW CONFIDENCE: " + confidence
    rob_text = ""
    if robust is not None:
        rob_text = f"chosen in {fmt.percent(robust.get('chosen_share'))} of the weight draws"
        lo, hi = robust.get("rank_low"), robust.get("rank_high")
        if not fmt.is_missing(lo) and not fmt.is_missing(hi):
            rob_text += (
                f"; its rank among the candidates ranged from {fmt.number(lo)} to {fmt.number(hi)}"
            )
    name = row.get("name")
    merged = row.get("merged_from")
    if isinstance(merged, str) and merged:
        # the GeoNames sections and satellites folded into this candidate
        name = f"{name} (incl. {merged.replace('; ', ', ')})"
    return {
        "rank": fmt.number(row.get("rank"), missing="?"),
        "name": name,
        "country": row.get("country") or row.get("iso3"),
        "score": fmt.score(row.get("score_total")),
        "industries": industries,
        "industries_text": fmt.join_words(industries, empty="no industry allocated"),
        "drivers": [{"label": d.label, "share": fmt.percent(d.share)} for d in drv],
        "drivers_text": fmt.join_words(d.label for d in drv[:3]),
        "weak": [{"label": d.label, "score": fmt.score(d.score)} for d in weak],
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


def _year(value: object) -> str:
    return "not given" if fmt.is_missing(value) else str(int(float(value)))  # type: ignore[arg-type]


def _existing_context(view: RunView) -> dict[str, Any] | None:
    """What the province already has, and the countries, industries and corridors it covers."""
    ex = view.existing
    if ex is None or len(ex) == 0:
        return None
    rows = []
    for r in ex.to_dict("records"):
        place = r.get("city")
        if r.get("located") == "country_only":
            place = f"{place} (city not identified; counted by country)" if not fmt.is_missing(
                place
            ) and str(place) else "city not given; counted by country"
        elif r.get("located") == "region":
            place = f"{place} (region)"
        rows.append(
            {
                "name": r.get("name"),
                "place": place,
                "country": r.get("country") or r.get("iso3"),
                "sponsor": "" if fmt.is_missing(r.get("sponsor")) else r.get("sponsor"),
                "opened": _year(r.get("year_opened")),
                "status": f"{r.get('status')} ({r.get('status_date')})",
                "industries": fmt.join_words(fmt.as_list(r.get("industries")), empty="not known"),
            }
        )
    countries = sorted({str(c) for c in ex.get("country", ex["iso3"]).fillna("") if c})
    known = sorted({i for v in ex["industries"] for i in fmt.as_list(v)})
    corridors = sorted({c for r in ex.to_dict("records") if (c := _corridor(r))})
    return {
        "n": len(rows),
        "rows": rows,
        "countries": fmt.join_words(countries),
        "industries": fmt.join_words(known, empty=""),
        "corridors": fmt.join_words(corridors, empty=""),
        "iso3": set(ex["iso3"].astype(str)),
        "industry_set": set(known),
        "corridor_set": set(corridors),
        "reach_km": f"{CORRIDOR_REACH_KM:,.0f}",
    }


def _adds(row: Mapping[str, Any], existing: Mapping[str, Any]) -> str:
    """What a new centre adds to the existing ones: a country, industries, a corridor."""
    parts = []
    country = row.get("country") or row.get("iso3")
    if str(row.get("iso3")) not in existing["iso3"]:
        parts.append(f"a new country ({country})")
    else:
        parts.append(f"no new country ({country} already has an existing centre)")
    new_ind = [i for i in fmt.as_list(row.get("industries")) if i not in existing["industry_set"]]
    if new_ind:
        parts.append(
            "industries no existing centre is known to serve ("
            + fmt.join_words(new_ind)
            + ")"
        )
    corridor = _corridor(row)
    if corridor and corridor not in existing["corridor_set"]:
        parts.append(f"a new corridor ({corridor})")
    elif corridor:
        parts.append(f"no new corridor ({corridor} already has an existing centre)")
    return "; ".join(parts)


def _excluded(view: RunView) -> dict[str, Any]:
    """The hosts the screens and the stability floor keep out, for the brief."""
    ex = view.excluded
    if ex is None or len(ex) == 0:
        return {"screens": [], "floor": []}
    rows = ex.to_dict("records")

    def cities(r: Mapping[str, Any]) -> str:
        n = int(r.get("n_cities") or 0)
        return f"{n:,} candidate cit{'y' if n == 1 else 'ies'}" if n else "no candidate city"

    screens: dict[str, list[str]] = {}
    for r in rows:
        if str(r.get("rule", "")).startswith("screen:"):
            name = f"{r.get('country') or r.get('iso3')} ({cities(r)})"
            screens.setdefault(str(r.get("reason", "")), []).append(name)
    floor = [
        f"{r.get('country') or r.get('iso3')} ({r.get('reason', '')}; {cities(r)})"
        for r in rows
        if r.get("rule") == "min_political_stability"
    ]
    return {
        "screens": [{"reason": k, "countries": fmt.join_words(v)} for k, v in screens.items()],
        "floor": floor,
    }


def _unknowns(view: RunView, centres: Sequence[Mapping[str, Any]]) -> list[str]:
    """Plain sentences on how the run treats what is not known."""
    cand = view.candidates
    ids = set(view.criteria.get("id", pd.Series(dtype=str)).astype(str))
    out = [
        "A value that is not known for a country is never borrowed from its neighbours: the "
        "criterion is left out of that city's score and its other weights are rescaled "
        "(see the missing-value column of the criteria catalogue, planner criteria).",
        "A criterion that does not vary among the candidates, or that was not observed for "
        "a city, is never given as one of its reasons.",
    ]
    if "st_agreement" in ids and "value_st_agreement" in cand.columns:
        documented = cand.loc[cand["value_st_agreement"] == 1, "iso3"].nunique()
        countries = cand["iso3"].nunique()
        out.append(
            f"Science and technology agreement with China: documented for {documented} of the "
            f"{countries} candidate countries (intergovernmental agreements with their own "
            "signing year, and the science and technology documents of the 2019 Belt and Road "
            "Forum). For the "
            "others it is unknown, not 'no' and not 'yes' (China's Ministry of Science and "
            "Technology counts 116 agreements but publishes no list), and the criterion is "
            "left out of their score."
        )
    if "innovation_cluster" in ids:
        out.append(
            "Innovation clusters: the data hold the 35 highest-ranked clusters of WIPO's "
            "Global Innovation Index 2023 cluster ranking; the ranks below them are not "
            "available. A city not near one of these 35 has no cluster data, which is not "
            "the same as having no cluster; it is counted as 0 (a conservative value) and "
            "marked as not known for it."
        )
    if "low_confidence" in cand.columns:
        low = cand["low_confidence"].astype(str).str.lower() == "true"
        threshold = view.low_confidence_share
        limit = fmt.percent(threshold) if math.isfinite(threshold) else "a set share"
        flagged = [c["name"] for c in centres if c.get("low_confidence")]
        tail = (
            f"; among the centres: {fmt.join_words(flagged)}" if flagged
            else "; none of the centres is"
        )  # fmt: skip
        out.append(
            f"{int(low.sum()):,} of {len(cand):,} candidate cities are low-confidence (more "
            f"than {limit} of their criterion weight rests on values not known for them){tail}."
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


def _constraint_names(view: RunView, *words: str) -> list[str]:
    if "name" not in view.constraints.columns:
        return []
    return [str(n) for n in view.constraints["name"] if any(w in str(n).lower() for w in words)]


def _verb(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _proposals(view: RunView, centres: Sequence[Mapping[str, Any]]) -> list[dict]:
    c = view.centres
    n = len(c)
    out = []

    near_zone = _count(c, "dist_coop_zone_km", NEAR_COOP_ZONE_KM)
    own = [x for x in centres if x.get("home_zone") is not None]
    does = []
    if near_zone is not None:
        listed = fmt.join_words(
            f"{x['short_name']} ({fmt.km(x['home_zone'][0])} from {x['home_zone'][1]})"
            for x in own
        )
        does.append(
            f"{near_zone} of the {n} centres {_verb(near_zone, 'lies', 'lie')} within "
            f"{NEAR_COOP_ZONE_KM:,.0f} km of an overseas economic and trade cooperation zone "
            f"of any sponsor; {len(own)} within {NEAR_HOME_ZONE_KM:,.0f} km of a zone "
            f"{view.province} itself sponsors" + (f": {listed}." if own else ".")
        )
    w = _weight_of(view, "coop_zone")
    if w:
        does.append(f"Proximity to cooperation zones carries {w} of the criteria weight.")
    cons = _constraint_names(view, "zone")
    if cons:
        does.append("Constraint applied: " + fmt.join_words(cons) + ".")
    out.append(
        {
            "section": "§3.1",
            "title": "Build on the overseas economic and trade cooperation zones",
            "does": does or ["The run had no cooperation-zone data, so it could not use them."],
            "not": "It does not plan the upgrade of a zone from an industrial zone to a "
            "science and technology zone; that needs the zone operators and sponsors.",
        }
    )

    on_line = _count(c, "dist_rail_node_km", NEAR_RAIL_NODE_KM)
    does = []
    if on_line is not None:
        does.append(
            f"{on_line} of the {n} centres {_verb(on_line, 'is', 'are')} within "
            f"{NEAR_RAIL_NODE_KM:,.0f} km of a node city of an international train line such "
            "as the Yiwu-Madrid (Yixinou) railway."
        )
    w = _weight_of(view, "rail_line", "rail_time")
    if w:
        does.append(f"Train-line access and rail freight time carry {w} of the criteria weight.")
    cons = _constraint_names(view, "rail", "train")
    if cons:
        does.append("Constraint applied: " + fmt.join_words(cons) + ".")
    out.append(
        {
            "section": "§3.2",
            "title": "Place centres along the international train lines",
            "does": does or ["The run had no train-line data, so it could not use them."],
            "not": "Rail times are modelled from the railway network, not from timetables; "
            "the plan does not size logistics parks or overseas warehouses.",
        }
    )

    ind = view.industries
    served = 0
    if "centres" in ind.columns:
        served = int(sum(bool(fmt.as_list(v)) for v in ind["centres"]))
    does = [
        f"Each recommended centre is assigned the home industries it fits best: {served} of "
        f"the {len(ind)} industries in the scenario are served."
    ]
    w = _weight_of(view, "industry_fit")
    if w:
        does.append(f"Fit with the home industries carries {w} of the criteria weight.")
    out.append(
        {
            "section": "§3.3",
            "title": "Use the leading enterprises of each industry as the backbone",
            "does": does,
            "not": "The plan works at the level of industries, not firms: it does not name "
            "the backbone enterprises that should lead each centre. The province should "
            "match each centre with the enterprises of the industries it serves.",
        }
    )

    leading = _count(c, "st_leading", "true")
    does = []
    if leading is not None:
        does.append(
            f"{leading} of the {n} centres {_verb(leading, 'is', 'are')} in a country that "
            "leads in science and technology (among the best Global Innovation Index scores)."
        )
    w = _weight_of(view, "innovation_index", "rd_intensity", "innovation_cluster")
    if w:
        does.append(f"Innovation strength carries {w} of the criteria weight.")
    cons = _constraint_names(view, "lead", "s&t", "science")
    if cons:
        does.append("Constraint applied: " + fmt.join_words(cons) + ".")
    out.append(
        {
            "section": "§3.4",
            "title": "Choose countries leading in science and technology as destinations",
            "does": does or ["The run had no innovation data for the centres."],
            "not": "Country scores do not show which universities or laboratories a centre "
            "should partner with.",
        }
    )

    w = _weight_of(view, "rule_of_law", "st_agreement")
    does = []
    if w:
        does.append(
            "Rule of law, regulatory quality and science and technology agreements with "
            f"China carry {w} of the criteria weight, favouring hosts whose rules "
            "enterprises can rely on."
        )
    out.append(
        {
            "section": "§3.5",
            "title": "Meet the requirements of international standards",
            "does": does or ["The criteria used do not measure host institutions."],
            "not": "The policy measures of §3.5 (financing, talent exchange, combined tax "
            "declaration and the 150% deduction of overseas R&D costs) are for the "
            "provincial departments; the plan does not model them.",
        }
    )
    return out


def _status(view: RunView) -> dict[str, Any]:
    gap = view.gap if isinstance(view.gap, int | float) else math.nan
    # Never "the best" alone: the decision section says next to this sentence how often
    # the plan survives a change of the weights (or that this was not measured).
    if view.status == "optimal":
        sentence = (
            "Under the scenario's own weights and constraints, the solver proved that no "
            "other plan scores higher."
        )
    elif view.has_plan:
        sentence = "The solver found this plan but did not prove that no other plan scores " \
            "higher" + (
                f": one could score up to {gap:.1%} more." if math.isfinite(gap) else "."
            )  # fmt: skip
    else:
        sentence = (
            "The solver found no plan ("
            + view.status_text()
            + "). Relax the constraints listed in the annex and run again."
        )
    return {
        "text": view.status_text(),
        "sentence": sentence,
        "proved": view.proved_optimal,
        "objective": fmt.number(view.objective, digits=3),
        "bound": fmt.number(view.bound, digits=3),
        "gap": fmt.percent(gap, digits=2) if math.isfinite(gap) else "unknown",
        "backend": view.backend,
        "time": fmt.number(view.solve_time_s, digits=1),
    }


def _criteria_rows(view: RunView) -> list[dict]:
    crit = view.criteria
    rows = []
    for r in crit.to_dict("records"):
        cid = str(r.get("id", ""))
        rows.append(
            {
                "name": view.criterion_label(cid),
                "group": r.get("group", ""),
                "direction": "higher is better"
                if r.get("direction") == "higher"
                else "lower is better",
                "unit": r.get("unit", ""),
                "weight": fmt.percent(r.get("weight"), digits=1),
                "source": r.get("source", ""),
            }
        )
    return rows


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


def _kind_label(row: Mapping[str, Any]) -> str:
    name = row.get("kind_name")
    if not fmt.is_missing(name) and str(name):
        return str(name)
    key = _kind_key(row)
    return key.replace("_", " ") if key else "of no kind"


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


def _what_for(industries: Sequence[str], reasons: Sequence[str]) -> str:
    """The industries a centre serves, each with its reason when the plan gives one."""
    if not reasons:
        return fmt.join_words(industries, empty="no industry allocated")
    if len(reasons) != len(industries):
        return f"{fmt.join_words(industries, empty='no industry allocated')} (" + "; ".join(
            reasons
        ) + ")"
    return "; ".join(
        r if r.casefold().startswith(i.casefold()) else f"{i}: {r}"
        for i, r in zip(industries, reasons)
    )


def _stability(share: object, runs: int) -> dict[str, str]:
    """A centre's share of the weight draws that chose it, in words."""
    if not runs or fmt.is_missing(share):
        return {"share": "", "tier": "", "text": "not measured"}
    shown = fmt.percent(share)
    value = round(float(share) * 100) / 100  # the tier of the share as shown
    tier = "firm" if value >= FIRM_SHARE else "fragile" if value < FRAGILE_SHARE else "in between"
    text = f"chosen in {shown} of {runs:,} weight draws ({tier})"
    return {"share": shown, "tier": tier, "text": text}


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


def _home_zones(view: RunView) -> list[tuple[float, float, str]] | None:
    """The cooperation zones the province itself sponsors (lon, lat, name); None when the
    run has no zone layer with sponsors."""
    zones = view.layers.get("cooperation_zones")
    if zones is None or not len(zones) or "sponsor_province" not in zones.columns:
        return None
    own = zones["sponsor_province"].astype(str).str.strip().str.casefold()
    out = []
    for r in zones[own == view.province.strip().casefold()].to_dict("records"):
        xy = _point(r)
        if xy is not None:
            out.append((xy[0], xy[1], str(r.get("name", ""))))
    return out


def _home_zone(
    view: RunView, row: Mapping[str, Any], home: list[tuple[float, float, str]] | None
) -> tuple[float, str] | None:
    """(km, name) of the nearest zone the province sponsors within NEAR_HOME_ZONE_KM."""
    if home is not None:
        return _nearest(_point(row), home, NEAR_HOME_ZONE_KM)
    # no zone layer with sponsors: the nearest zone, when it is the province's own
    km = row.get("dist_coop_zone_km")
    own = row.get("coop_zone_home") is True and not fmt.is_missing(km)
    if own and float(km) <= NEAR_HOME_ZONE_KM:  # type: ignore[arg-type]
        return float(km), str(row.get("nearest_coop_zone"))  # type: ignore[arg-type]
    return None


def _builds_on(
    view: RunView, row: Mapping[str, Any], zone: tuple[float, str] | None
) -> list[str]:
    """What the province already has abroad that a new centre builds on: one of its own
    cooperation zones within NEAR_HOME_ZONE_KM (``zone``), an existing centre within
    NEAR_EXISTING_KM."""
    out = []
    if zone is not None:
        out.append(f"{fmt.km(zone[0])} from {zone[1]}, a zone {view.province} sponsors")
    ex = view.existing
    if ex is not None and len(ex):
        located = [
            (*xy, str(r.get("name", "")))
            for r in ex.to_dict("records")
            if (xy := _point(r)) is not None
        ]
        near = _nearest(_point(row), located, NEAR_EXISTING_KM)
        if near is not None:
            out.append(f"{fmt.km(near[0])} from {view.province}'s existing centre {near[1]}")
    return out


def _robustness_context(
    view: RunView, centres: Sequence[Mapping[str, Any]], robust: Mapping[Any, Mapping[str, Any]]
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
    names = {}
    if {"city_id", "name"} <= set(view.candidates.columns):
        for r in view.candidates.to_dict("records"):
            names[r["city_id"]] = f"{r['name']}, {r.get('country') or r.get('iso3')}"
    others = sorted(
        (
            (float(r["chosen_share"]), names[cid])
            for cid, r in robust.items()
            if cid not in chosen and cid in names and not fmt.is_missing(r.get("chosen_share"))
            and float(r["chosen_share"]) >= 0.05
        ),
        key=lambda t: (-t[0], t[1]),
    )[:6]
    same_text = "" if fmt.is_missing(same) else fmt.percent(same, digits=1)
    summary = f"When the criteria weights were changed at random {runs:,} times, " + (
        f"this exact set of centres came back in {same_text} of the draws; " if same_text else ""
    ) + (
        f"{len(firm)} of the {len(centres)} centres {_verb(len(firm), 'was', 'were')} chosen "
        f"in at least {fmt.percent(FIRM_SHARE)} of the draws (firm) and {len(fragile)} in "
        f"under {fmt.percent(FRAGILE_SHARE)} (fragile); section 2 gives the figures."
    )  # fmt: skip
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
                "share": c["stability"]["share"] or "unknown",
                "tier": c["stability"]["tier"] or "unknown",
                "ranks": c["rank_interval"],
            }
            for c in centres
        ],
        "firm": fmt.join_words(firm, empty="none"),
        "fragile": fmt.join_words(fragile, empty="none"),
        "n_firm": len(firm),
        "n_fragile": len(fragile),
        "others": [{"name": n, "share": fmt.percent(s)} for s, n in others],
        "firm_limit": fmt.percent(FIRM_SHARE),
        "fragile_limit": fmt.percent(FRAGILE_SHARE),
    }


def _opening(centres: Sequence[Mapping[str, Any]], *, measured: bool, province: str) -> dict:
    """A suggested order of opening, in waves, by stability and readiness (the rule is
    stated in the brief)."""
    base = (
        f"one of {province}'s own cooperation zones within {NEAR_HOME_ZONE_KM:,.0f} km, or one "
        f"of its existing centres within {NEAR_EXISTING_KM:,.0f} km"
    )
    if measured:
        rule = (
            f"First wave: centres chosen in at least {fmt.percent(FIRM_SHARE)} of the weight "
            f"draws that build on something {province} already has abroad ({base}). Second "
            "wave: the other firm centres, and those chosen in "
            f"{fmt.percent(FRAGILE_SHARE)}-{fmt.percent(FIRM_SHARE)} of the draws that build "
            "on such a base. Third wave: the rest (fragile centres, chosen in under "
            f"{fmt.percent(FRAGILE_SHARE)} of the draws, and in-between centres with no such "
            "base), to be confirmed by a closer study before they open. A low-confidence "
            "centre moves one wave later. Within a wave, the more often chosen first."
        )
    else:
        rule = (
            "Robustness was not measured in this run, so the order uses readiness alone: "
            f"first the centres that build on something {province} already has abroad "
            f"({base}), then the others. A low-confidence centre moves one wave later. "
            "Within a wave, by rank among the candidates."
        )
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
    titles = {1: "First wave", 2: "Second wave", 3: "Third wave, after a closer study"}
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
                        "why": "; ".join(
                            [c["stability"]["text"]] * measured
                            + (list(c["builds_on"]) or [f"no base of {province}'s within reach"])
                            + (["low confidence in its data"] if c["low_confidence"] else [])
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


def _most_unknown(view: RunView, *, at_least: float = 0.1) -> str:
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
    parts = [f"{view.criterion_label(cid)} ({n:,})" for n, cid in many]
    return (
        f"Some facts are not known for many of the {len(cand):,} candidate cities: "
        + fmt.join_words(parts)
        + ". Such a criterion is left out of a city's score, or counted at a conservative "
        "value, as the annex lists criterion by criterion."
    )


def _context(view: RunView) -> dict[str, Any]:
    robust: dict[Any, Mapping[str, Any]] = {}
    if view.robustness is not None and "city_id" in view.robustness.columns:
        robust = {r["city_id"]: r for r in view.robustness.to_dict("records")}
    runs = int(view.robustness_runs or 0)
    rows = ordered_centres(view)
    existing = _existing_context(view)
    home = _home_zones(view)
    kinds = _has_kinds(view.centres)
    centres = []
    for number, r in enumerate(rows, start=1):
        rob = robust.get(r.get("city_id"))
        c = _centre(view, r, rob)
        c["number"] = number  # as on the static map; "rank" is the rank among all candidates
        c["adds"] = _adds(r, existing) if existing else ""
        c["kind"] = _kind_label(r) if kinds else ""
        c["short_name"] = r.get("name")
        c["what_for"] = _what_for(c["industries"], _industry_reasons(r))
        c["stability"] = _stability(rob.get("chosen_share") if rob else None, runs if rob else 0)
        share = c["stability"]["share"]
        c["share_value"] = float(rob["chosen_share"]) if share and rob else -1.0
        c["rank_value"] = float(r["rank"]) if not fmt.is_missing(r.get("rank")) else math.inf
        lo, hi = (rob.get("rank_low"), rob.get("rank_high")) if rob else (None, None)
        c["rank_interval"] = (
            "" if fmt.is_missing(lo) or fmt.is_missing(hi)
            else f"{fmt.number(lo)}-{fmt.number(hi)}"
        )  # fmt: skip
        c["home_zone"] = _home_zone(view, r, home)
        c["builds_on"] = _builds_on(view, r, c["home_zone"])
        risks = [f"{label[:1].lower()}{label[1:]}: {value}" for label, value in c["risks"]]
        if c["missing"]:
            risks.append("not known for this city: " + ", ".join(c["missing"]))
        if c["confidence"]:
            risks.append(c["confidence"])
        c["risk_line"] = "; ".join(risks)
        c["why_line"] = "; ".join(f"{d['label']} {d['share']}" for d in c["drivers"][:3])
        centres.append(c)
    groups: list[dict[str, Any]] = []
    for c in centres:
        if not groups or groups[-1]["kind"] != c["kind"]:
            title = c["kind"][:1].upper() + c["kind"][1:]
            groups.append({"kind": c["kind"], "title": title, "centres": []})
        groups[-1]["centres"].append(c)
    names = [f"{c['name']} ({c['country']})" for c in centres]
    ind = view.industries
    unserved = []
    if {"name", "centres"} <= set(ind.columns):
        unserved = [str(r["name"]) for r in ind.to_dict("records") if not fmt.as_list(r["centres"])]
    constraints = []
    for r in _frame_rows(view.constraints, ("name", "value", "plan", "limit", "slack", "binds")):
        plan_text = r.get("plan")
        constraints.append(
            {
                "name": r["name"],
                "value": str(plan_text)
                if isinstance(plan_text, str) and plan_text
                else fmt.number(r["value"], digits=2, missing=""),
                "limit": fmt.number(
                    r["limit"], digits=0 if float(r["limit"] or 0).is_integer() else 2, missing=""
                ),
                "binds": "yes" if r["binds"] is True or r["binds"] == True else "no",  # noqa: E712
            }
        )
    robustness = _robustness_context(view, centres, robust)
    reader_notes, raw_notes = _split_notes(view)
    unknowns = _unknowns(view, centres)
    most = _most_unknown(view)
    if most:
        unknowns.insert(0, most)
    kind_counts = []
    if kinds:
        kind_counts = [f"{len(g['centres'])} for {g['kind']}" for g in groups]
    return {
        "title": view.title,
        "province": view.province,
        "scenario": view.scenario_name,
        "n_centres": len(centres),
        "centres": centres,
        "groups": groups,
        "kinds": kinds,
        "kind_counts": fmt.join_words(kind_counts, empty=""),
        "existing": existing,
        "centre_names": fmt.join_words(names),
        "n_industries": len(ind),
        "unserved": fmt.join_words(unserved, empty=""),
        "n_candidates": fmt.number(len(view.candidates)),
        "status": _status(view),
        "proposals": _proposals(view, centres),
        "robustness": robustness,
        "opening": _opening(centres, measured=robustness["measured"], province=view.province),
        "constraints": constraints,
        "criteria": _criteria_rows(view),
        "sources": _frame_rows(view.sources, ("layer", "source", "year", "licence")),
        "notes": reader_notes,
        "raw_notes": raw_notes,
        "origins": [f"{o.name} ({o.role})" for o in view.origins],
        "near_rail_km": f"{NEAR_RAIL_NODE_KM:,.0f}",
        "near_zone_km": f"{NEAR_COOP_ZONE_KM:,.0f}",
        "excluded": _excluded(view),
        "unknowns": unknowns,
        "firm_limit": fmt.percent(FIRM_SHARE),
        "fragile_limit": fmt.percent(FRAGILE_SHARE),
        "backtest": _backtest_context(view.backtest, weights_file=view.weights_file),
    }


# ---------------------------------------------------------------------------- static map


def render_static_map(view: RunView, *, width_in: float = 10.0, dpi: int = 120) -> bytes:
    """A PNG of the plan: countries, rail lines, cooperation zones, origins, labelled centres.

    Parameters
    ----------
    width_in
        Figure width in inches (height follows the plan's extent, 0.5 to 0.8 of it).
    dpi
        Resolution in dots per inch.
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
    colours = _kind_colours(view)
    for number, r in enumerate(rows, start=1):
        g = r["geometry"]
        if g is None or g.is_empty:
            continue
        colour = colours.get(_kind_label(r), _CENTRE_COLOURS[0])
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
        _place_label(ax, renderer, f"{number} {r.get('name')}", (g.x, g.y), placed)
    _legend(ax, view, placed, renderer)
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
    ax: Any, renderer: Any, text: str, xy: tuple[float, float], placed: list[Any]
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
        )  # fmt: skip
        extent = label.get_window_extent(renderer)
        box = _box(extent.x0, extent.y0, extent.x1, extent.y1)
        if last or not any(_overlaps(box, other) for other in placed):
            placed.append(box)
            return
        label.remove()


#: Marker colours of the centres, one per kind of centre (the first when no kinds).
_CENTRE_COLOURS = ("#1f3b73", "#d95f02", "#c51b7d", "#8c510a", "#4d4d4d")


def _kind_colours(view: RunView) -> dict[str, str]:
    """Kind label -> marker colour, in the brief's order of the kinds."""
    if not _has_kinds(view.centres):
        return {}
    labels = list(dict.fromkeys(_kind_label(r) for r in ordered_centres(view)))
    return {k: _CENTRE_COLOURS[i % len(_CENTRE_COLOURS)] for i, k in enumerate(labels)}


def _legend(ax: Any, view: RunView, placed: Sequence[Any], renderer: Any) -> None:
    """The legend, in the first corner where it covers no centre nor label (``placed``),
    and the line naming the boundary source."""
    from matplotlib.lines import Line2D

    kinds = _kind_colours(view)
    handles = [
        Line2D([], [], marker="o", ls="", ms=9, mfc=colour, mec="white",
               label=f"recommended centre: {kind} (numbered as in the brief)".replace(
                   "$", "\\$"))
        for kind, colour in kinds.items()
    ] or [
        Line2D([], [], marker="o", ls="", ms=9, mfc=_CENTRE_COLOURS[0], mec="white",
               label="recommended centre (numbered as in the brief)"),
    ]  # fmt: skip
    handles += [
        Line2D([], [], marker="o", ls="", ms=7, mfc="#ffd92f", mec="black",
               label=f"{view.province}: origins of the journeys"),
    ]  # fmt: skip
    if view.existing is not None and len(view.existing):
        handles.append(
            Line2D([], [], marker="s", ls="", ms=6, mfc="#2e8b57", mec="white",
                   label=f"{view.province}'s existing centres (those with a known city)")
        )  # fmt: skip
    handles += [
        Line2D([], [], marker="o", ls="", ms=4, mfc="#7a6fb0", mec="#7a6fb0",
               label="overseas economic and trade cooperation zone"),
        Line2D([], [], color="#8c1d18", lw=1.0, label="international train line"),
        Line2D([], [], color="#8c1d18", lw=0.8, ls="--",
               label="train line, drawn straight (not on the railway graph)"),
    ]  # fmt: skip
    for loc in ("lower left", "upper left", "lower right", "upper right", "lower left"):
        legend = ax.legend(handles=handles, loc=loc, fontsize=7, framealpha=0.9)
        e = legend.get_window_extent(renderer)
        if not any(_overlaps(_box(e.x0, e.y0, e.x1, e.y1), box) for box in placed):
            break
    legend.set_zorder(7)
    ax.text(
        0.995, 0.005, "Boundaries: Natural Earth. Not an official map.",
        transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="#444444",
        zorder=7, parse_math=False,
    )  # fmt: skip


def _backtest_context(result: Any, *, weights_file: str = "") -> dict[str, Any]:
    """What the brief's backtest section says, for decision makers: the headline
    comparison with the baselines, the centres the method agreed with and those it did
    not (with the criteria that held them back), and where the weights came from.

    ``result`` is a :class:`planner.analysis.Backtest` (read by its attributes only: the
    outputs import no analysis stage)."""
    out: dict[str, Any] = {"weights_file": weights_file, "shown": result is not None}
    if result is None:
        return out
    s = result.summary.set_index("method")

    def pct(v: float) -> str:
        return "n/a" if not np.isfinite(v) else f"{v:.0f}"

    def share(v: float) -> str:
        return "n/a" if not np.isfinite(v) else f"{v:.0%}"

    def km(v: float) -> str:
        return "n/a" if not np.isfinite(v) else f"{v:,.0f} km"

    out["rows"] = [
        {
            "label": {"method": "This method", "population": "Population alone",
                      "random": "Random choice (expected)"}[m],
            "median": pct(s.at[m, "median_percentile"]),
            "top": share(s.at[m, "top_n_hit_rate"]),
            "plan": share(s.at[m, "plan_hit_rate"]),
            "dist": km(s.at[m, "mean_dist_to_plan_km"]),
            "country": share(s.at[m, "country_hit_rate"]),
        }
        for m in ("method", "population", "random")
    ]  # fmt: skip
    out["source"] = result.source
    out["n_sites"] = result.n_sites
    out["n_candidates"] = f"{result.n_candidates:,}"
    out["radius_km"] = f"{result.radius_km:g}"
    better = s.at["method", "median_percentile"] > s.at["population", "median_percentile"]
    out["verdict"] = (
        "The criteria rank the cities where centres actually went higher than city size "
        "alone does." if better else
        "City size alone ranks the cities where centres actually went at least as high as "
        "the criteria do: the criteria add little here."
    )  # fmt: skip
    c = result.centres
    cities = c[c["match"].isin(["city", "nearest"])]
    agreed = cities[(cities["in_plan"].fillna(False)) | (cities["in_top_n"].fillna(False))]
    missed = cities.drop(agreed.index)

    def line(r: Any, *, why: str) -> str:
        drivers = str(r[why] or "").replace(";", ", ")
        verb = "lifted by" if why == "lifts" else "held back by"
        return (
            f"{r['name']} ({r['city']}, {r['iso3']}): rank {int(r['rank'])} of "
            f"{result.n_candidates:,} (percentile {r['percentile']:.0f})"
            + (f"; {verb} {drivers}" if drivers else "")
        )

    out["agreed"] = [line(r, why="lifts") for r in agreed.to_dict("records")]
    out["missed"] = [line(r, why="holds_back") for r in missed.to_dict("records")]
    other = c[~c["match"].isin(["city", "nearest"])]
    out["unmatched"] = [
        f"{r['name']} ({r['iso3']}): {r['reason']}" for r in other.to_dict("records")
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


def render_brief(view: RunView, *, map_png: bytes | None = None) -> BriefDocs:
    """The strategy brief of ``view`` as Markdown and HTML.

    Parameters
    ----------
    map_png
        A static map to embed; drawn with :func:`render_static_map` when None.
    """
    if not isinstance(view, RunView):
        msg = f"view must be a RunView built by the pipeline, got {type(view).__name__!r}."
        raise TypeError(msg)
    ctx = _context(view)
    png = map_png if map_png is not None else render_static_map(view)
    chart = "robustness.png" if view.robustness_png else ""
    md = (
        _env(html=False)
        .get_template("brief.md.j2")
        .render(**ctx, map_file="map.png", robustness_file=chart)
    )
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    chart_uri = (
        "data:image/png;base64," + base64.b64encode(view.robustness_png).decode("ascii")
        if view.robustness_png
        else ""
    )
    page = (
        _env(html=True)
        .get_template("brief.html.j2")
        .render(**ctx, map_src=data_uri, robustness_src=chart_uri)
    )
    log.info("wrote a strategy brief of %d centres (%d words)", ctx["n_centres"], len(md.split()))
    return BriefDocs(md, page, png)


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


def _render_pdf(view: RunView, png: bytes) -> bytes:
    import matplotlib
    from fpdf import FPDF

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    ctx = _context(view)
    body = _env(html=True).get_template("brief.pdf.j2").render(**ctx)
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
    pdf.set_font("DejaVu", size=10)
    pdf.set_title(view.title)
    pdf.add_page()
    head, _, tail = body.partition("<!--MAP-->")
    quiet = _MissingGlyphs()  # said once above, not glyph by glyph
    logging.getLogger("fpdf.output").addFilter(quiet)
    try:
        pdf.write_html(head, font_family="DejaVu")
        if png:
            pdf.image(io.BytesIO(png), w=pdf.epw)
        pdf.write_html(tail, font_family="DejaVu")
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
) -> tuple[Path, ...]:
    """Write the brief of ``view`` into ``folder`` atomically.

    Writes ``brief.md``, ``brief.html``, ``map.png``, ``robustness.png`` when the view
    carries a robustness chart, and, with ``pdf=True`` or ``"auto"``
    when the optional ``fpdf2`` package is installed, ``brief.pdf``.

    Parameters
    ----------
    pdf
        True: write the PDF (ImportError naming the install command if ``fpdf2`` is
        missing); False: no PDF; ``"auto"``: write it when ``fpdf2`` is installed.

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
    folder = Path(folder)
    docs = render_brief(view)
    written = [
        write_text(folder / "brief.md", docs.markdown),
        write_text(folder / "brief.html", docs.html),
        write_bytes(folder / "map.png", docs.map_png),
    ]
    if view.robustness_png:
        written.append(write_bytes(folder / "robustness.png", view.robustness_png))
    if pdf is True or (pdf == "auto" and _pdf_available()):
        written.append(write_bytes(folder / "brief.pdf", _render_pdf(view, docs.map_png)))
    return tuple(written)
