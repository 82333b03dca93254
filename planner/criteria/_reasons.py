"""Why an industry went to a centre: one line naming the host's strength in it.

The evidence is built once as structured parts (:func:`reason_parts_by_centre`: per
industry, the home province's zone nearby and the host's strongest indicator, with their
values), and each language renders the parts from its ``brief.reason.*`` strings
(:func:`render_reasons`). The English lines travel as text (``industry_reasons``), the
parts as JSON beside them (``industry_reason_parts``), so a run folder can redraw the
reasons in any language without translating English text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from planner import _format as fmt
from planner import i18n
from planner import names as naming
from planner.criteria._values import latest_indicators

#: Indicator id -> how its value is written: ``usd`` (an amount of US dollars), ``count``
#: (a whole number, with 万 and 亿 in Chinese) or a fixed number of decimals (``0f``,
#: ``1f``, ``2f``). Its words are ``brief.reason.indicator.<id>`` in the locales; an
#: indicator without them is named by its id (``brief.reason.indicator_other``).
_NUMBERS: dict[str, str] = {
    "hightech_share_pct": "0f",
    "hightech_exports_usd": "usd",
    "ip_receipts_usd": "usd",
    "patents_resident": "count",
    "journal_articles": "count",
    "secure_servers_per_million": "count",
    "internet_users_pct": "0f",
    "tertiary_enrolment_pct": "0f",
    "rd_pct_gdp": "2f",
    "researchers_per_million": "count",
    "gdp_usd": "usd",
    "lpi_score": "2f",
    "container_port_teu": "count",
    "gii_score": "1f",
}

#: Upper bounds of the share of candidate countries ranked above the host, with the key of
#: the words for the standing below each (``brief.reason.standing.<key>``).
_STANDINGS: tuple[tuple[float, str], ...] = (
    (0.05, "top_5"),
    (0.10, "top_10"),
    (0.25, "top_25"),
    (0.5, "upper_half"),
)


def _usd(value: float) -> str:
    if value >= 1e9:
        return f"${value / 1e9:,.1f} bn"
    return f"${value / 1e6:,.0f} m"


def _number(value: float, kind: str, lang: str) -> str:
    """An indicator's value as the reason writes it in ``lang``."""
    zh = lang != i18n.DEFAULT_LANGUAGE
    if kind == "usd":
        return fmt.money_usd(value, lang=lang) if zh else _usd(value)
    if kind == "count":
        return fmt.large_zh(value) if zh else f"{value:,.0f}"
    if kind in ("0f", "1f", "2f"):
        return f"{value:.{kind}}"
    return f"{value:,.3g}"


def _standing(share_above: float, lang: str) -> str:
    """'top decile' style wording for the share of candidate countries ranked above."""
    key = next((k for bound, k in _STANDINGS if share_above < bound), "lower_half")
    return i18n.text(lang, f"brief.reason.standing.{key}")


def _distance(dist_km: float, lang: str) -> str:
    if lang == i18n.DEFAULT_LANGUAGE:
        return f"{dist_km:.0f} km"
    return fmt.km(round(dist_km), lang=lang)


def indicator_text(part: Mapping[str, Any], lang: str = "en") -> str:
    """An indicator part (``id``, ``value``, ``share_above``) in ``lang``: ``"patent
    applications by residents 238,000 a year, top 5% of candidate countries"``."""
    ind, value = str(part["id"]), float(part["value"])
    key = f"brief.reason.indicator.{ind}"
    if ind in _NUMBERS and key in i18n.strings(lang):
        what = i18n.text(lang, key, value=_number(value, _NUMBERS[ind], lang))
    else:
        what = i18n.text(
            lang, "brief.reason.indicator_other", label=ind, value=_number(value, "", lang)
        )
    return i18n.text(
        lang, "brief.reason.indicator_standing", indicator=what,
        standing=_standing(float(part["share_above"]), lang),
    )  # fmt: skip


def zone_text(part: Mapping[str, Any], lang: str = "en") -> str:
    """A zone part (``province``, ``name``, ``name_zh``, ``dist_km``, ``sectors``) in
    ``lang``: ``"Zhejiang's Vietnam Longjiang Industrial Park (59 km away) works in
    electronics"``. In another language the zone's and the province's names are its own
    (:func:`planner.names.layer_name`, :func:`planner.names.province_name`) and the
    sectors the locale's (``map.sector.*``); without words for every sector the line
    names the zone and its distance only. A part known only as English text (``text``)
    is English only (``""`` otherwise)."""
    if "text" in part:
        return str(part["text"]) if lang == i18n.DEFAULT_LANGUAGE else ""
    sectors = [str(s) for s in part.get("sectors", [])]
    if lang != i18n.DEFAULT_LANGUAGE:
        table = i18n.strings(lang)
        keys = [
            "map.sector." + re.sub(r"[^a-z0-9]+", "_", s.casefold()).strip("_") for s in sectors
        ]
        sectors = [table[k] for k in keys if k in table] if all(k in table for k in keys) else []
    values = {
        "province": naming.province_name(str(part["province"]), lang),
        "zone": naming.layer_name(part, lang),
        "distance": _distance(float(part["dist_km"]), lang),
    }
    if not sectors:
        return i18n.text(lang, "brief.reason.zone_only", **values)
    sep = i18n.text(lang, "brief.reason.sector_separator")
    return i18n.text(lang, "brief.reason.zone", sectors=sep.join(sectors), **values)


def industry_indicator_parts(
    pairs: Sequence[tuple[str, str]],
    *,
    indicators: pd.DataFrame | None,
    industries: pd.DataFrame | None,
    countries: Sequence[str],
) -> list[dict[str, Any] | None]:
    """Per (host ISO3, industry id): the host's strongest indicator for the industry.

    Returns
    -------
    list of dict or None
        ``{"id", "value", "share_above"}``: of the industry's indicators observed for
        the host, the one where it ranks highest among the candidate countries, with the
        share of those countries ranked above it. None where none is observed (the
        industry's fit then rests on imputed values).
    """
    wide = latest_indicators(indicators)
    if industries is None or wide.empty:
        return [None for _ in pairs]
    table = industries.drop_duplicates("industry_id").set_index("industry_id")
    pool = wide.reindex(sorted(set(countries)))
    out: list[dict[str, Any] | None] = []
    for iso3, ind in pairs:
        ids = [] if ind not in table.index else [
            s.strip() for s in str(table.at[ind, "indicators"] or "").split(";") if s.strip()
        ]  # fmt: skip
        best: dict[str, Any] | None = None
        for col in ids:
            if col not in pool.columns or iso3 not in wide.index:
                continue
            value = wide.at[iso3, col]
            column = pool[col].dropna()
            if not isinstance(value, float | int | np.floating) or math.isnan(value) or len(
                column
            ) < 2:
                continue
            share_above = float((column > value).mean())
            if best is None or share_above < best["share_above"]:
                best = {"id": col, "value": float(value), "share_above": share_above}
        out.append(best)
    return out


def industry_reasons(
    pairs: Sequence[tuple[str, str]],
    *,
    indicators: pd.DataFrame | None,
    industries: pd.DataFrame | None,
    countries: Sequence[str],
) -> list[str]:
    """One line per (host ISO3, industry id): the host's strongest evidence for the industry.

    Parameters
    ----------
    pairs
        (ISO3 of the host, industry id) per line wanted.
    indicators
        The indicators layer (long format).
    industries
        The industries layer (``industry_id``, ``indicators``: the ids that measure it).
    countries
        ISO3 of every candidate's country: a host is ranked among these.

    Returns
    -------
    list of str
        E.g. ``"patent applications by residents 238,000 a year, top 5% of candidate
        countries"`` (:func:`industry_indicator_parts` in English). Empty where no
        indicator is observed.
    """
    parts = industry_indicator_parts(
        pairs, indicators=indicators, industries=industries, countries=countries
    )
    return [indicator_text(p) if p else "" for p in parts]


def reason_parts_by_centre(
    centres: pd.DataFrame,
    *,
    indicators: pd.DataFrame | None,
    industries: pd.DataFrame | None,
    countries: Sequence[str],
    zone_evidence: pd.DataFrame | None = None,
    zone_parts: pd.DataFrame | None = None,
) -> list[list[dict[str, Any]]]:
    """Per centre (``iso3``, ``industries`` as a ``;`` list of ids, ``city_id``): per
    industry it serves, ``{"industry_id", "zone", "indicator"}``.

    ``zone`` is the home province's zone beside the centre that works in the industry
    (a cell of :attr:`planner.criteria.Scores.zone_parts`, index ``city_id``), or None;
    given only ``zone_evidence`` (the English text), it is ``{"text": ...}``.
    ``indicator`` is the host's strongest indicator (:func:`industry_indicator_parts`)
    or None.
    """
    out = []
    ids = centres["city_id"] if "city_id" in centres.columns else pd.Series(pd.NA, centres.index)
    for city, iso3, served in zip(
        ids, centres["iso3"].astype(str), centres["industries"].astype(str)
    ):
        inds = [i for i in served.split(";") if i]
        best = industry_indicator_parts(
            [(iso3, i) for i in inds], indicators=indicators, industries=industries,
            countries=countries,
        )  # fmt: skip
        zones: list[dict[str, Any] | None] = [None] * len(inds)
        if zone_parts is not None and city in zone_parts.index:
            row = zone_parts.loc[city]
            zones = [row.get(i) if isinstance(row.get(i), dict) else None for i in inds]
        elif zone_evidence is not None and city in zone_evidence.index:
            row = zone_evidence.loc[city]
            zones = [{"text": str(row.get(i, "") or "")} if row.get(i) else None for i in inds]
        out.append(
            [
                {"industry_id": i, "zone": z, "indicator": b}
                for i, z, b in zip(inds, zones, best)
            ]
        )
    return out


def render_reasons(
    parts: Sequence[Mapping[str, Any]],
    lang: str = "en",
    *,
    names: Mapping[str, str] | None = None,
) -> list[str]:
    """One centre's reason lines in ``lang``, from its :func:`reason_parts_by_centre`:
    ``"<industry>: <zone>; <indicator>, <standing>"``, leaving out industries without
    evidence. ``names`` maps an industry id to its name in ``lang`` (the id otherwise)."""
    names = names or {}
    sep = i18n.text(lang, "brief.reason.separator")
    lines = []
    for p in parts:
        zone, best = p.get("zone"), p.get("indicator")
        evidence = sep.join(
            x for x in (zone_text(zone, lang) if zone else "", indicator_text(best, lang)
                        if best else "") if x
        )  # fmt: skip
        if evidence:
            ind = str(p["industry_id"])
            name = names.get(ind, ind)
            lines.append(i18n.text(lang, "brief.reason.line", industry=name, evidence=evidence))
    return lines


def reasons_by_centre(
    centres: pd.DataFrame,
    *,
    indicators: pd.DataFrame | None,
    industries: pd.DataFrame | None,
    countries: Sequence[str],
    names: Mapping[str, str] | None = None,
    zone_evidence: pd.DataFrame | None = None,
    zone_parts: pd.DataFrame | None = None,
) -> list[str]:
    """Per centre (``iso3``, ``industries`` as a ``;`` list of ids): ``"name: reason"``
    lines for each industry it serves, in English, joined with ``" | "``.

    ``zone_parts`` (:attr:`planner.criteria.Scores.zone_parts`, index ``city_id``), or
    its English text ``zone_evidence``, names the home province's zone beside a centre
    that works in the industry; it leads the industry's line, before the host country's
    strongest indicator.
    """
    parts = reason_parts_by_centre(
        centres, indicators=indicators, industries=industries, countries=countries,
        zone_evidence=zone_evidence, zone_parts=zone_parts,
    )  # fmt: skip
    return [" | ".join(render_reasons(p, names=names)) for p in parts]


def reason_parts_json(parts: Sequence[Mapping[str, Any]]) -> str:
    """A centre's reason parts as the compact JSON that ``plan.csv`` stores
    (``industry_reason_parts``); :func:`reason_parts_from_json` reads it back."""
    return json.dumps(list(parts), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def reason_parts_from_json(value: object) -> list[dict[str, Any]]:
    """The parts of :func:`reason_parts_json` (also a list as it is, from ``run.json``);
    ``[]`` for a missing or unreadable value (a run folder written before the parts)."""
    if isinstance(value, list):
        return [p for p in value if isinstance(p, dict) and "industry_id" in p]
    if not isinstance(value, str) or not value.strip():
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return []
    return reason_parts_from_json(data) if isinstance(data, list) else []
