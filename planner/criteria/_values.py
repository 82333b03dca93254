"""Raw criterion values of candidate cities from the layers and the accessibility table.

Industry fit (:func:`_industry_fit`) joins three kinds of evidence that differ by
industry: the rank percentiles of the indicators the industries layer lists for each
industry (country level); the strength of nearby innovation clusters active in the
industry's technology fields (when the cluster layer lists fields); and the home
province's own cooperation zones (:func:`zone_sector_evidence`): a candidate within
``industry_zone_km`` of a zone the province sponsors, whose ``sectors`` name one of the
industry's ``zone_sectors`` keywords, has the zone's sector base beside it, and its fit for
that industry moves ``industry_zone_share`` of the way from the country evidence to 1.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import CriteriaError
from planner.criteria._settings import CriteriaSettings

log = logging.getLogger("planner.criteria")

EARTH_RADIUS_KM = 6371.0088
HOFSTEDE = ("hofstede_pdi", "hofstede_idv", "hofstede_mas", "hofstede_uai", "hofstede_lto",
            "hofstede_ivr")  # fmt: skip
MIN_HOFSTEDE_DIMS = 4
# The shipped indicators carry the Kogut-Singh distance from China, derived from Hofstede's
# scores by geodata/_compile/indicators.py, not the scores (which have no open licence).
KS_FROM_CHINA = "cultural_distance_chn"

# Country-level criteria read straight from one or two indicators (mean when two).
_INDICATOR_CRITERIA: dict[str, tuple[str, ...]] = {
    "market_gdp": ("gdp_usd",),
    "trade_china": ("china_trade_usd",),
    "rule_of_law": ("wgi_rule_of_law", "wgi_regulatory_quality"),
    "innovation_index": ("gii_score",),
    "rd_intensity": ("rd_pct_gdp",),
    "tertiary_enrolment": ("tertiary_enrolment_pct",),
    "researchers": ("researchers_per_million",),
    "political_stability": ("wgi_political_stability",),
}
# City-level criteria read from the accessibility table: (value column, reason column).
_ACCESS_CRITERIA: dict[str, tuple[str, str | None]] = {
    "rail_time": ("rail_time_h", "rail_reason"),
    "sea_time": ("sea_time_h", "sea_reason"),
    "air_time": ("air_time_h", "air_reason"),
    "rail_line": ("dist_rail_node_km", None),
    "corridor": ("dist_corridor_km", None),
}


@dataclass(frozen=True)
class RawValues:
    """Raw criterion values, aligned on the candidates' index.

    Attributes
    ----------
    values
        Criterion id -> raw measure (NaN = missing or unreachable).
    unreachable
        Criterion id -> boolean mask of candidates that cannot be reached (a NaN time with
        a reason in the accessibility table); they score 0, they are not imputed.
    fit
        Candidates x industries, fit in [0, 1] before imputation (NaN = no data).
    industry_weights
        Industry id -> weight, summing to 1.
    dropped
        Criterion id -> why it could not be computed at all.
    st_leading
        Candidate's country leads in science and technology (see ``st_leading_top_n``).
    region
        UN subregion (or region) of the candidate's country, for region medians.
    bri_member
        Candidate's country has a Belt and Road cooperation document, not withdrawn
        (``None`` when the belt_and_road layer is missing).
    notes
        Data gaps that change how a criterion is computed.
    zone_evidence
        Candidates x industries: for a candidate near a cooperation zone the home
        province sponsors whose sectors match the industry, the zone and the sectors
        (see :func:`zone_sector_evidence`), else ``""``; ``None``
        without the cooperation_zones layer or a home province.
    zone_parts
        The same as structured parts (:func:`zone_sector_parts`; None where no zone).
    """

    values: dict[str, pd.Series]
    unreachable: dict[str, pd.Series]
    fit: pd.DataFrame
    industry_weights: dict[str, float]
    dropped: dict[str, str]
    st_leading: pd.Series
    region: pd.Series
    bri_member: pd.Series | None
    notes: tuple[str, ...] = ()
    zone_evidence: pd.DataFrame | None = None
    zone_parts: pd.DataFrame | None = None


def optional_layer(layers: Mapping[str, Any] | None, name: str) -> Any | None:
    """The layer ``name`` of ``layers``, or ``None`` when the set has no such layer.

    A :class:`planner.layers.LayerSet` lists its registered layers without loading them;
    a registered layer that fails to load raises its own error.
    """
    if layers is None:
        return None
    if name not in set(iter(layers)):
        return None
    return layers[name]


def latest_indicators(indicators: pd.DataFrame | None) -> pd.DataFrame:
    """Indicators in wide form: one row per ISO3, one column per indicator, latest year."""
    if indicators is None or len(indicators) == 0:
        return pd.DataFrame(index=pd.Index([], name="iso3"))
    need = {"iso3", "indicator", "value", "year"}
    lacking = need - set(indicators.columns)
    if lacking:
        msg = (
            f"The indicators layer lacks the column(s) {sorted(lacking)!r}; it needs iso3, "
            "indicator, value, unit, year, source (long format)."
        )
        raise CriteriaError(msg)
    frame = indicators[["iso3", "indicator", "value", "year"]].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame = frame.dropna(subset=["value"])
    frame = frame.sort_values(["iso3", "indicator", "year"], kind="stable")
    frame = frame.drop_duplicates(["iso3", "indicator"], keep="last")
    return frame.pivot(index="iso3", columns="indicator", values="value")


def haversine_km(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distances in km between points 1 (rows) and points 2 (columns)."""
    p1 = np.radians(np.asarray(lat1, dtype=float))[:, None]
    p2 = np.radians(np.asarray(lat2, dtype=float))[None, :]
    dphi = p2 - p1
    dlmb = (
        np.radians(np.asarray(lon2, dtype=float))[None, :]
        - np.radians(np.asarray(lon1, dtype=float))[:, None]
    )
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def kogut_singh(wide: pd.DataFrame, home_iso3: str) -> pd.Series:
    """Kogut-Singh cultural distance of every country from ``home_iso3``.

    KS_j = (1 / D) sum_d (I_dj - I_dh)^2 / V_d over the D Hofstede dimensions both
    countries have, V_d the sample variance of dimension d across countries; NaN when
    fewer than 4 dimensions are shared or the home country has no scores.
    """
    dims = [d for d in HOFSTEDE if d in wide.columns]
    if not dims or home_iso3 not in wide.index:
        return pd.Series(np.nan, index=wide.index, dtype=float)
    h = wide.loc[home_iso3, dims].astype(float)
    dims = [d for d in dims if pd.notna(h[d])]
    if len(dims) < MIN_HOFSTEDE_DIMS:
        return pd.Series(np.nan, index=wide.index, dtype=float)
    x = wide[dims].astype(float)
    var = x.var(axis=0, ddof=1)
    terms = (x - h[dims]) ** 2 / var
    n = terms.notna().sum(axis=1)
    ks = terms.sum(axis=1, min_count=1) / n
    return ks.where(n >= MIN_HOFSTEDE_DIMS)


def st_leading_countries(wide: pd.DataFrame, top_n: int) -> set[str]:
    """ISO3 codes whose latest GII score is among the ``top_n`` best (ties included)."""
    if "gii_score" not in wide.columns:
        return set()
    gii = wide["gii_score"].dropna()
    if gii.empty:
        return set()
    rank = gii.rank(method="min", ascending=False)
    return set(rank.index[rank <= top_n])


def compute_values(
    candidates: pd.DataFrame,
    *,
    access: pd.DataFrame | None,
    layers: Mapping[str, Any] | None,
    settings: CriteriaSettings,
    industries: Mapping[str, float] | None,
    home_iso3: str,
    province: str | None = None,
) -> RawValues:
    """Every criterion's raw value per candidate city (see the catalogue for measures).

    ``province`` is the home province: cooperation zones whose ``sponsor_province`` lists
    it are its own (industry fit's zone evidence); ``None`` leaves that evidence out.
    """
    idx = candidates.index
    iso3 = candidates["iso3"].astype(str)
    wanted = set(settings.ids)
    values: dict[str, pd.Series] = {}
    unreachable: dict[str, pd.Series] = {}
    dropped: dict[str, str] = {}

    indicators = optional_layer(layers, "indicators")
    wide = latest_indicators(indicators)

    def by_country(series: pd.Series) -> pd.Series:
        return pd.Series(iso3.map(series).to_numpy(dtype=float), index=idx)

    # Country-level criteria from indicators.
    for cid, ids in _INDICATOR_CRITERIA.items():
        if cid not in wanted:
            continue
        if indicators is None:
            dropped[cid] = "the indicators layer is not available"
            continue
        cols = [i for i in ids if i in wide.columns]
        if not cols:
            dropped[cid] = f"the indicators layer has no {' or '.join(ids)}"
            continue
        values[cid] = by_country(wide[cols].mean(axis=1, skipna=True))

    if "cultural_distance" in wanted:
        if indicators is None:
            dropped["cultural_distance"] = "the indicators layer is not available"
        elif not any(d in wide.columns for d in HOFSTEDE):
            if KS_FROM_CHINA in wide.columns and home_iso3 == "CHN":
                values["cultural_distance"] = by_country(wide[KS_FROM_CHINA])
            else:
                dropped["cultural_distance"] = (
                    f"the indicators layer has no Hofstede dimensions (nor {KS_FROM_CHINA} "
                    "for a Chinese home province)"
                )
        elif home_iso3 not in wide.index:
            dropped["cultural_distance"] = f"the indicators layer has no scores for {home_iso3}"
        else:
            values["cultural_distance"] = by_country(kogut_singh(wide, home_iso3))

    if "cost" in wanted:
        if "cost_musd" in candidates.columns:
            values["cost"] = pd.to_numeric(candidates["cost_musd"], errors="coerce").astype(float)
        elif "gdp_per_capita_usd" in wide.columns:
            values["cost"] = by_country(wide["gdp_per_capita_usd"])
        else:
            dropped["cost"] = "no cost_musd column and no gdp_per_capita_usd indicator"

    # Belt and Road membership and S&T agreements.
    bri = optional_layer(layers, "belt_and_road")
    bri_member: pd.Series | None = None
    if bri is not None:
        bri_member, years, st = _belt_and_road(bri, iso3, settings.reference_year)
        if "bri_document" in wanted:
            values["bri_document"] = years
        if "st_agreement" in wanted:
            values["st_agreement"] = st
    else:
        for cid in ("bri_document", "st_agreement"):
            if cid in wanted:
                dropped[cid] = "the belt_and_road layer is not available"

    # City-level criteria from the accessibility table.
    acc = _align_access(access, candidates)
    for cid, (col, reason_col) in _ACCESS_CRITERIA.items():
        if cid not in wanted:
            continue
        if acc is None or col not in acc.columns:
            dropped[cid] = (
                "the accessibility table is not available"
                if acc is None
                else f"the accessibility table has no {col}"
            )
            continue
        v = pd.to_numeric(acc[col], errors="coerce").astype(float)
        values[cid] = v
        if reason_col is not None and reason_col in acc.columns:
            reason = acc[reason_col].fillna("").astype(str).str.strip()
            unreachable[cid] = v.isna() & (reason != "")
    if "coop_zone" in wanted:
        if acc is None or "dist_coop_zone_km" not in acc.columns:
            dropped["coop_zone"] = (
                "the accessibility table is not available"
                if acc is None
                else "the accessibility table has no dist_coop_zone_km"
            )
        else:
            any_zone = pd.to_numeric(acc["dist_coop_zone_km"], errors="coerce").astype(float)
            effective = any_zone * settings.home_zone_factor
            if "dist_home_coop_zone_km" in acc.columns:
                home = pd.to_numeric(acc["dist_home_coop_zone_km"], errors="coerce")
                effective = np.fmin(effective, home.astype(float))
            values["coop_zone"] = pd.Series(effective, index=idx, dtype=float)

    if "city_population" in wanted:
        pop = pd.to_numeric(candidates["population"], errors="coerce").astype(float)
        values["city_population"] = pop.where(pop > 0)

    # Innovation clusters and industry fit.
    clusters = _latest_clusters(
        optional_layer(layers, "innovation_clusters"), settings.cluster_ranked_n
    )
    near: np.ndarray | None = None
    strength: np.ndarray | None = None
    if clusters is not None and len(clusters):
        dist = haversine_km(
            candidates["lon"].to_numpy(), candidates["lat"].to_numpy(),
            clusters["lon"].to_numpy(), clusters["lat"].to_numpy(),
        )  # fmt: skip
        near = dist <= settings.cluster_radius_km
        strength = clusters["strength"].to_numpy(dtype=float)
    if "innovation_cluster" in wanted:
        if clusters is None:
            dropped["innovation_cluster"] = "the innovation_clusters layer is not available"
        elif near is None or strength is None:
            values["innovation_cluster"] = pd.Series(0.0, index=idx)
        else:
            best = np.where(near, strength[None, :], 0.0).max(axis=1)
            if not _complete_ranking(clusters, settings.cluster_ranked_n):
                # Only part of the ranking is known: a city out of reach of every listed
                # cluster may lie near an unlisted one. Unknown, not "no cluster".
                best[~near.any(axis=1)] = np.nan
            values["innovation_cluster"] = pd.Series(best, index=idx)

    fit = pd.DataFrame(index=idx)
    weights: dict[str, float] = {}
    notes: list[str] = []
    zone_evidence: pd.DataFrame | None = None
    zone_parts: pd.DataFrame | None = None
    table = optional_layer(layers, "industries")
    if table is None:
        if industries:
            msg = (
                f"The scenario weighs the industries {sorted(industries)!r} but the "
                "industries layer is not available; add it to the layers or clear [industries]."
            )
            raise CriteriaError(msg)
        if "industry_fit" in wanted:
            dropped["industry_fit"] = "the industries layer is not available"
    else:
        zones = optional_layer(layers, "cooperation_zones")
        zone_evidence = None
        if zones is not None and province and settings.industry_zone_share > 0:
            zone_parts = zone_sector_parts(
                candidates, zones, table, province=province, radius_km=settings.industry_zone_km
            )
            zone_evidence = zone_evidence_text(zone_parts)
        fit, weights = _industry_fit(
            table, industries, wide, iso3, near, strength, clusters, settings, zone_evidence
        )
        if clusters is None or not bool((clusters["fields_lc"] != "").any()):
            notes.append(
                "industry_fit: the innovation_clusters layer lists no technology fields, so "
                "industry fit rests on the indicators alone"
            )
        if "industry_fit" in wanted:
            if fit.shape[1] == 0:
                dropped["industry_fit"] = "no industry has a weight > 0"
            else:
                values["industry_fit"] = fit @ pd.Series(weights)[fit.columns]

    # User-added criteria.
    for cid, spec in settings.added.items():
        if cid not in wanted:
            continue
        if spec["kind"] == "indicator":
            if spec["source"] in wide.columns:
                values[cid] = by_country(wide[spec["source"]])
            else:
                dropped[cid] = f"the indicators layer has no {spec['source']}"
        elif spec["source"] in candidates.columns:
            col = pd.to_numeric(candidates[spec["source"]], errors="coerce")
            values[cid] = col.astype(float)
        else:
            dropped[cid] = f"the candidate cities have no column {spec['source']}"

    leading = st_leading_countries(wide, settings.st_leading_top_n)
    st_leading = iso3.isin(leading)
    region = _regions(candidates, optional_layer(layers, "countries"))
    for cid in list(values):
        if values[cid].notna().sum() == 0:
            why = "no candidate has a value"
            col, reason_col = _ACCESS_CRITERIA.get(cid, ("", None))
            if acc is not None and reason_col is not None and reason_col in acc.columns:
                reasons = acc[reason_col].dropna().astype(str).unique()
                if len(reasons) == 1 and reasons[0]:
                    why += f" ({reasons[0]})"
            dropped[cid] = why
            del values[cid]
            unreachable.pop(cid, None)
    return RawValues(
        values, unreachable, fit, weights, dropped, st_leading, region, bri_member,
        tuple(notes), None if table is None else zone_evidence,
        None if table is None else zone_parts,
    )  # fmt: skip


def _align_access(access: pd.DataFrame | None, candidates: pd.DataFrame) -> pd.DataFrame | None:
    if access is None:
        return None
    frame = access
    if "city_id" in frame.columns:
        frame = frame.set_index("city_id")
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique()[:5].tolist()
        msg = f"The accessibility table has several rows for the city_id(s) {dup!r}; keep one."
        raise CriteriaError(msg)
    out = frame.reindex(candidates["city_id"].to_numpy())
    out.index = candidates.index
    return out


def _belt_and_road(
    bri: pd.DataFrame, iso3: pd.Series, reference_year: int | None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    lacking = {"iso3", "bri_signed", "bri_year"} - set(bri.columns)
    if lacking:
        msg = (
            f"The belt_and_road layer lacks the column(s) {sorted(lacking)!r}; it needs iso3, "
            "bri_signed, bri_year, bri_withdrawn_year, st_agreement."
        )
        raise CriteriaError(msg)
    t = bri.drop_duplicates("iso3", keep="last").set_index("iso3")
    signed = t["bri_signed"].fillna(False).astype(bool)
    if "bri_withdrawn_year" in t.columns:
        signed &= t["bri_withdrawn_year"].isna()
    year = pd.to_numeric(t["bri_year"], errors="coerce").astype(float)
    ref = reference_year if reference_year is not None else year.max()
    if pd.isna(ref):
        ref = np.nan
    years = np.where(signed, np.maximum(ref - year + 1.0, 0.0), 0.0)
    years_s = pd.Series(years, index=t.index)
    # A signatory whose year is unknown: membership is known, its length is not.
    years_s[signed & year.isna()] = np.nan
    member = iso3.map(signed).fillna(False).astype(bool)
    member.index = iso3.index
    years_c = pd.Series(iso3.map(years_s).to_numpy(dtype=float), index=iso3.index)
    years_c[~iso3.isin(t.index)] = 0.0  # absent from the list of signatories: not signed
    if "st_agreement" in t.columns:
        st = t["st_agreement"].map({True: 1.0, False: 0.0}).astype(float)
        st_c = pd.Series(iso3.map(st).to_numpy(dtype=float), index=iso3.index)
    else:
        st_c = pd.Series(np.nan, index=iso3.index)
    return member, years_c, st_c


def _complete_ranking(clusters: pd.DataFrame, ranked_n: int) -> bool:
    """True when the layer lists every rank of the ranking, 1 to N."""
    ranks = set(clusters["rank"].astype(int))
    return ranks >= set(range(1, max(ranked_n, max(ranks, default=0)) + 1))


def _latest_clusters(clusters: pd.DataFrame | None, ranked_n: int) -> pd.DataFrame | None:
    if clusters is None:
        return None
    lacking = {"rank", "lon", "lat"} - set(clusters.columns)
    if lacking:
        msg = (
            f"The innovation_clusters layer lacks the column(s) {sorted(lacking)!r}; it needs "
            "cluster_id, cluster, iso3, city, rank, edition, lon, lat, fields."
        )
        raise CriteriaError(msg)
    c = clusters.copy()
    if "edition" in c.columns and c["edition"].notna().any():
        c = c[c["edition"] == c["edition"].max()]
    c = pd.DataFrame(c.dropna(subset=["rank", "lon", "lat"]))
    rank = c["rank"].astype(float)
    top = float(rank.max()) if len(rank) else 1.0
    c["strength"] = 1.0 - (rank - 1.0) / max(top, float(ranked_n))
    fields = c["fields"] if "fields" in c.columns else pd.Series("", index=c.index)
    c["fields_lc"] = fields.fillna("").astype(str).str.lower()
    return c.reset_index(drop=True)


def _industry_fit(
    table: pd.DataFrame,
    industries: Mapping[str, float] | None,
    wide: pd.DataFrame,
    iso3: pd.Series,
    near: np.ndarray | None,
    strength: np.ndarray | None,
    clusters: pd.DataFrame | None,
    settings: CriteriaSettings,
    zone_evidence: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    lacking = {"industry_id", "indicators"} - set(table.columns)
    if lacking:
        msg = (
            f"The industries layer lacks the column(s) {sorted(lacking)!r}; it needs "
            "industry_id, name, description, indicators, cluster_fields, source."
        )
        raise CriteriaError(msg)
    rows = table.drop_duplicates("industry_id").set_index("industry_id")
    if industries:
        unknown = [i for i in industries if i not in rows.index]
        if unknown:
            msg = (
                f"The scenario weighs the industries {unknown!r}, which the industries layer "
                f"does not list; known industries: {', '.join(map(str, rows.index))}."
            )
            raise CriteriaError(msg)
        raw = {i: float(w) for i, w in industries.items() if float(w) > 0}
    else:
        raw = {str(i): 1.0 for i in rows.index}
    total = sum(raw.values())
    weights = {i: w / total for i, w in raw.items()} if total > 0 else {}
    # Percentile of each indicator among every country that reports it (1 = strongest).
    pct = wide.rank(pct=False, method="average")
    counts = wide.notna().sum()
    pct = (pct - 1.0) / (counts - 1.0).where(counts > 1)
    has_fields = clusters is not None and bool((clusters["fields_lc"] != "").any())
    share = settings.industry_cluster_share if has_fields else 0.0
    out = {}
    for ind in weights:
        ids = [s.strip() for s in str(rows.at[ind, "indicators"] or "").split(";") if s.strip()]
        cols = [i for i in ids if i in pct.columns]
        if cols:
            part = iso3.map(pct[cols].mean(axis=1, skipna=True)).astype(float)
        else:
            part = pd.Series(np.nan, index=iso3.index)
        if share > 0 and near is not None and strength is not None and clusters is not None:
            raw_kw = rows.at[ind, "cluster_fields"] if "cluster_fields" in rows.columns else ""
            kws = [k.strip().lower() for k in str(raw_kw or "").split(";") if k.strip()]
            if kws:
                match = clusters["fields_lc"].apply(lambda f, kws=kws: any(k in f for k in kws))
                s = np.where(match.to_numpy(), strength, 0.0)
                cluster_part = np.where(near, s[None, :], 0.0).max(axis=1)
            else:
                cluster_part = np.zeros(len(iso3))
            fit = (1.0 - share) * part.to_numpy() + share * cluster_part
        else:
            fit = part.to_numpy()
        if zone_evidence is not None and ind in zone_evidence.columns:
            # a matching home zone nearby closes industry_zone_share of the gap to 1 (a
            # country without the industry's indicators stays unknown: NaN is imputed)
            match = (zone_evidence[ind] != "").to_numpy()
            share_z = settings.industry_zone_share
            fit = np.where(match, fit + share_z * (1.0 - fit), fit)
        out[ind] = np.clip(fit, 0.0, 1.0)
    return pd.DataFrame(out, index=iso3.index, dtype=float), weights


def zone_keywords(table: pd.DataFrame) -> dict[str, list[str]]:
    """Industry id -> its ``zone_sectors`` keywords, lower case (empty without the column)."""
    if "zone_sectors" not in table.columns:
        return {}
    rows = table.drop_duplicates("industry_id")
    return {
        str(i): [k.strip().lower() for k in str(text).split(";") if k.strip()]
        for i, text in zip(rows["industry_id"], rows["zone_sectors"].fillna(""))
    }


def zone_sector_parts(
    candidates: pd.DataFrame,
    zones: pd.DataFrame,
    table: pd.DataFrame,
    *,
    province: str,
    radius_km: float,
) -> pd.DataFrame:
    """Which industries the home province's own zones near each candidate work in.

    Parameters
    ----------
    candidates
        Cities with ``lon`` and ``lat``.
    zones
        The cooperation_zones layer: ``name`` (and ``name_zh``, ``zone_id`` when it has
        them), ``lon``, ``lat``, ``sponsor_province`` (``;``-separated provinces) and
        ``sectors`` (``;``-separated).
    table
        The industries layer; its ``zone_sectors`` column lists, per industry, keywords
        that a zone sector must contain (case-insensitive) to count for the industry.
    province
        The home province; a zone is its own when ``sponsor_province`` lists it.
    radius_km
        A zone counts for a candidate within this great-circle distance.

    Returns
    -------
    pandas.DataFrame
        Candidates (same index) x industries with keywords: None, or the nearest
        matching zone as a dict: ``zone_id``, ``name``, ``name_zh`` (None when the layer
        has none), ``province`` (the home province as given), ``dist_km`` and
        ``sectors`` (the zone's sectors that match, as the layer writes them).
    """
    keywords = {i: k for i, k in zone_keywords(table).items() if k}
    out = pd.DataFrame(
        {i: [None] * len(candidates) for i in keywords}, index=candidates.index, dtype=object
    )
    lacking = {"lon", "lat", "sponsor_province", "sectors"} - set(zones.columns)
    if not keywords or lacking or not len(zones):
        return out
    wanted = province.strip().casefold()
    own = zones["sponsor_province"].fillna("").astype(str).map(
        lambda text: any(p.strip().casefold() == wanted for p in text.replace(",", ";").split(";"))
    )
    z = zones[own.to_numpy(bool)].dropna(subset=["lon", "lat"])
    if z.empty:
        return out
    dist = haversine_km(
        candidates["lon"].to_numpy(dtype=float), candidates["lat"].to_numpy(dtype=float),
        z["lon"].to_numpy(dtype=float), z["lat"].to_numpy(dtype=float),
    )  # fmt: skip
    names = z["name"].astype(str).to_numpy() if "name" in z.columns else z.index.astype(str)
    zone_ids = z["zone_id"].astype(str).to_numpy() if "zone_id" in z.columns else names
    names_zh = [
        str(v).strip() if "name_zh" in z.columns and isinstance(v, str) and v.strip() else None
        for v in (z["name_zh"] if "name_zh" in z.columns else [None] * len(z))
    ]
    sectors = [
        [s.strip() for s in str(text).split(";") if s.strip()] for text in z["sectors"].fillna("")
    ]
    for ind, kws in keywords.items():
        hits = [[s for s in secs if any(k in s.lower() for k in kws)] for secs in sectors]
        ok = np.array([bool(h) for h in hits])
        d = np.where(ok[None, :] & (dist <= radius_km), dist, np.inf)
        best = d.argmin(axis=1)
        for row in np.flatnonzero(np.isfinite(d.min(axis=1))):
            j = best[row]
            out.iat[row, out.columns.get_loc(ind)] = {
                "zone_id": str(zone_ids[j]),
                "name": str(names[j]),
                "name_zh": names_zh[j],
                "province": province.strip(),
                "dist_km": float(dist[row, j]),
                "sectors": list(hits[j]),
            }
    return out


def zone_sector_evidence(
    candidates: pd.DataFrame,
    zones: pd.DataFrame,
    table: pd.DataFrame,
    *,
    province: str,
    radius_km: float,
) -> pd.DataFrame:
    """:func:`zone_sector_parts` as English text: ``""``, or the nearest matching zone,
    its distance and the matching sectors (``"Zhejiang's Vietnam Longjiang Industrial
    Park (59 km away) works in electronics"``)."""
    parts = zone_sector_parts(
        candidates, zones, table, province=province, radius_km=radius_km
    )
    return zone_evidence_text(parts)


def zone_evidence_text(parts: pd.DataFrame) -> pd.DataFrame:
    """A frame of :func:`zone_sector_parts` as English text (``""`` where no zone)."""
    from planner.criteria._reasons import zone_text

    return parts.map(lambda p: zone_text(p) if isinstance(p, dict) else "").astype(object)


def _regions(candidates: pd.DataFrame, countries: pd.DataFrame | None) -> pd.Series:
    for col in ("subregion", "region_un"):
        if col in candidates.columns:
            return candidates[col].astype("string")
    if countries is not None and "iso3" in countries.columns:
        for col in ("subregion", "region_un", "continent"):
            if col in countries.columns:
                table = countries.drop_duplicates("iso3").set_index("iso3")[col]
                return candidates["iso3"].map(table).astype("string")
    return pd.Series(pd.NA, index=candidates.index, dtype="string")
