"""Why an industry went to a centre: one line naming the host's strength in it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from planner.criteria._values import latest_indicators

#: Indicator id -> (what it measures, how a value is written).
_LABELS: dict[str, tuple[str, str]] = {
    "hightech_share_pct": ("high-technology exports", "{:.0f}% of manufactured exports"),
    "hightech_exports_usd": ("high-technology exports", "usd"),
    "ip_receipts_usd": ("receipts for the use of its intellectual property", "usd"),
    "patents_resident": ("patent applications by residents", "{:,.0f} a year"),
    "journal_articles": ("scientific and technical articles", "{:,.0f} a year"),
    "secure_servers_per_million": ("secure Internet servers", "{:,.0f} per million people"),
    "internet_users_pct": ("Internet users", "{:.0f}% of people"),
    "tertiary_enrolment_pct": ("tertiary enrolment", "{:.0f}% gross"),
    "rd_pct_gdp": ("R&D spending", "{:.2f}% of GDP"),
    "researchers_per_million": ("researchers", "{:,.0f} per million people"),
    "gdp_usd": ("GDP", "usd"),
    "lpi_score": ("logistics performance", "{:.2f} of 5"),
    "container_port_teu": ("container port traffic", "{:,.0f} TEU a year"),
    "gii_score": ("Global Innovation Index", "{:.1f}"),
}


def _usd(value: float) -> str:
    if value >= 1e9:
        return f"${value / 1e9:,.1f} bn"
    return f"${value / 1e6:,.0f} m"


def _standing(share_above: float) -> str:
    """'top decile' style wording for the share of candidate countries ranked above."""
    if share_above < 0.05:
        return "top 5% of candidate countries"
    if share_above < 0.10:
        return "top decile of candidate countries"
    if share_above < 0.25:
        return "top quarter of candidate countries"
    if share_above < 0.5:
        return "upper half of candidate countries"
    return "lower half of candidate countries"


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
        countries"``: of the industry's indicators observed for the host, the one where it
        ranks highest among the candidate countries. Empty where none is observed (the
        industry's fit then rests on imputed values).
    """
    wide = latest_indicators(indicators)
    if industries is None or wide.empty:
        return ["" for _ in pairs]
    table = industries.drop_duplicates("industry_id").set_index("industry_id")
    pool = wide.reindex(sorted(set(countries)))
    out: list[str] = []
    for iso3, ind in pairs:
        ids = [] if ind not in table.index else [
            s.strip() for s in str(table.at[ind, "indicators"] or "").split(";") if s.strip()
        ]  # fmt: skip
        best: tuple[float, str] | None = None
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
            label, fmt = _LABELS.get(col, (col, "{:,.3g}"))
            text = _usd(float(value)) if fmt == "usd" else fmt.format(float(value))
            line = f"{label} {text}, {_standing(share_above)}"
            if best is None or share_above < best[0]:
                best = (share_above, line)
        out.append(best[1] if best else "")
    return out


def reasons_by_centre(
    centres: pd.DataFrame,
    *,
    indicators: pd.DataFrame | None,
    industries: pd.DataFrame | None,
    countries: Sequence[str],
    names: Mapping[str, str] | None = None,
    zone_evidence: pd.DataFrame | None = None,
) -> list[str]:
    """Per centre (``iso3``, ``industries`` as a ``;`` list of ids): ``"name: reason"``
    lines for each industry it serves, joined with ``" | "``.

    ``zone_evidence`` (:attr:`planner.criteria.Scores.zone_evidence`, index ``city_id``)
    names the home province's zone beside a centre that works in the industry; it leads
    the industry's line, before the host country's strongest indicator.
    """
    names = names or {}
    out = []
    ids = centres["city_id"] if "city_id" in centres.columns else pd.Series(pd.NA, centres.index)
    for city, iso3, served in zip(
        ids, centres["iso3"].astype(str), centres["industries"].astype(str)
    ):
        inds = [i for i in served.split(";") if i]
        lines = industry_reasons(
            [(iso3, i) for i in inds], indicators=indicators, industries=industries,
            countries=countries,
        )  # fmt: skip
        if zone_evidence is not None and city in zone_evidence.index:
            zone = zone_evidence.loc[city]
            lines = [
                "; ".join(x for x in (str(zone.get(i, "") or ""), r) if x)
                for i, r in zip(inds, lines)
            ]
        out.append(" | ".join(f"{names.get(i, i)}: {r}" for i, r in zip(inds, lines) if r))
    return out
