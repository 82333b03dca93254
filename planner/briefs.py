"""Stage 7b: the strategy brief of a run, for a provincial decision maker.

:func:`render_brief` turns a :class:`~planner._run.RunView` into Markdown and HTML from
the Jinja2 templates in ``planner/templates`` (``brief.md.j2``, ``brief.html.j2``); both
are filled from one plain context, so they say the same thing. :func:`save_brief` writes
``brief.md``, ``brief.html`` (the static map embedded), ``map.png`` and, where the optional
``fpdf2`` package is installed, ``brief.pdf``.

The brief says honestly what the run found: a plan the solver did not prove optimal is
never called optimal, missing data are named, and for each proposal of seed document 003
(§3.1-3.5) it says what the plan does and what it leaves to the province.

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
import pandas as pd
from markupsafe import Markup

from planner import _format as fmt
from planner._io import write_bytes, write_text
from planner._run import RunView, drivers, weak_points
from planner.analysis._backtest import backtest_brief

log = logging.getLogger(__name__)

__all__ = ["BriefDocs", "md_escape", "render_brief", "render_static_map", "save_brief"]

_TEMPLATES = Path(__file__).with_name("templates")

# Reading thresholds the brief uses to say a centre "is on" a train line or "near" a zone.
NEAR_RAIL_NODE_KM = 100.0
NEAR_COOP_ZONE_KM = 300.0

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
        rob_text = f"chosen in {fmt.percent(robust.get('chosen_share'))} of the sensitivity runs"
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


def _proposals(view: RunView) -> list[dict]:
    c = view.centres
    n = len(c)
    out = []

    near_zone = _count(c, "dist_coop_zone_km", NEAR_COOP_ZONE_KM)
    home_zone = _count(c, "coop_zone_home", "true")
    does = []
    if near_zone is not None:
        does.append(
            f"{near_zone} of the {n} centres {_verb(near_zone, 'lies', 'lie')} within "
            f"{NEAR_COOP_ZONE_KM:,.0f} km of an overseas economic and trade cooperation zone"
            + (f", {home_zone} near one of {view.province}'s own zones" if home_zone else "")
            + "."
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
    if view.status == "optimal":
        sentence = (
            "The solver proved this plan the best possible under the scenario's criteria "
            "and constraints."
        )
    elif view.has_plan:
        sentence = "The solver found this plan but did not prove it the best possible" + (
            f": a better plan could score up to {gap:.1%} more." if math.isfinite(gap) else "."
        )
    else:
        sentence = (
            "The solver found no plan ("
            + view.status_text()
            + "). Relax the constraints listed below and run again."
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


def _context(view: RunView) -> dict[str, Any]:
    robust: dict[Any, Mapping[str, Any]] = {}
    if view.robustness is not None and "city_id" in view.robustness.columns:
        robust = {r["city_id"]: r for r in view.robustness.to_dict("records")}
    centres = [
        _centre(view, r, robust.get(r.get("city_id")))
        for r in view.centres.sort_values("rank", kind="stable").to_dict("records")
    ]
    names = [f"{c['name']} ({c['country']})" for c in centres]
    existing = _existing_context(view)
    for number, (c, r) in enumerate(
        zip(centres, view.centres.sort_values("rank", kind="stable").to_dict("records")), start=1
    ):
        c["adds"] = _adds(r, existing) if existing else ""
        c["number"] = number  # as on the static map; "rank" is the rank among all candidates
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
    robustness = None
    if view.robustness is not None and len(view.robustness):
        shares = {c: r.get("chosen_share") for c, r in robust.items()}
        rows = []
        for r in view.centres.sort_values("rank", kind="stable").to_dict("records"):
            rows.append({"name": r.get("name"), "share": fmt.percent(shares.get(r.get("city_id")))})
        firm = [
            r["name"]
            for r, c in zip(rows, view.centres.sort_values("rank", kind="stable")["city_id"])
            if (s := shares.get(c)) is not None and not fmt.is_missing(s) and float(s) >= 0.8
        ]
        fragile = [
            r["name"]
            for r, c in zip(rows, view.centres.sort_values("rank", kind="stable")["city_id"])
            if (s := shares.get(c)) is not None and not fmt.is_missing(s) and float(s) < 0.5
        ]
        robustness = {
            "runs": fmt.number(view.robustness_runs) if view.robustness_runs else "",
            "rows": rows,
            "firm": fmt.join_words(firm, empty="none"),
            "fragile": fmt.join_words(fragile, empty="none"),
        }
    return {
        "title": view.title,
        "province": view.province,
        "scenario": view.scenario_name,
        "n_centres": len(centres),
        "centres": centres,
        "existing": existing,
        "centre_names": fmt.join_words(names),
        "n_industries": len(ind),
        "unserved": fmt.join_words(unserved, empty=""),
        "n_candidates": fmt.number(len(view.candidates)),
        "status": _status(view),
        "proposals": _proposals(view),
        "robustness": robustness,
        "constraints": constraints,
        "criteria": _criteria_rows(view),
        "sources": _frame_rows(view.sources, ("layer", "source", "year", "licence")),
        "warnings": [str(w) for w in view.warnings],
        "origins": [f"{o.name} ({o.role})" for o in view.origins],
        "near_rail_km": f"{NEAR_RAIL_NODE_KM:,.0f}",
        "near_zone_km": f"{NEAR_COOP_ZONE_KM:,.0f}",
        "excluded": _excluded(view),
        "unknowns": _unknowns(view, centres),
        "backtest": backtest_brief(view.backtest, weights_file=view.weights_file),
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

    pts = [(float(g.x), float(g.y)) for g in view.centres.geometry if g is not None]
    pts += [(float(o.lon), float(o.lat)) for o in view.origins]
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
    rows = view.centres.sort_values("rank", kind="stable").to_dict("records")
    for number, r in enumerate(rows, start=1):
        g = r["geometry"]
        if g is None or g.is_empty:
            continue
        ax.scatter([g.x], [g.y], s=160, color="#1f3b73", edgecolor="white", zorder=5)
        ax.text(
            g.x, g.y, str(number), color="white", fontsize=8,
            ha="center", va="center", zorder=6, fontweight="bold", parse_math=False,
        )  # fmt: skip
        marker = ax.transData.transform((g.x, g.y))
        placed.append(_box(marker[0] - 8, marker[1] - 8, marker[0] + 8, marker[1] + 8))
    for number, r in enumerate(rows, start=1):
        g = r["geometry"]
        if g is None or g.is_empty:
            continue
        _place_label(ax, renderer, f"{number} {r.get('name')}", (g.x, g.y), placed)
    _legend(ax, view)
    ax.set_axis_off()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


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


def _legend(ax: Any, view: RunView) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", ls="", ms=9, mfc="#1f3b73", mec="white",
               label="recommended centre (numbered as in the brief)"),
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
    legend = ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    legend.set_zorder(7)
    ax.text(
        0.995, 0.005, "Boundaries: Natural Earth. Not an official map.",
        transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="#444444",
        zorder=7, parse_math=False,
    )  # fmt: skip


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
