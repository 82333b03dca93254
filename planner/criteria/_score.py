"""Scoring candidate cities: the stage's entry point and its output formats."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from planner._errors import CriteriaError
from planner.criteria._aggregate import explain, topsis, weighted_sum
from planner.criteria._catalogue import GROUPS, Criterion
from planner.criteria._filters import FilterEntry, FilterReport, apply_filters
from planner.criteria._missing import MissingEntry, MissingReport, impute
from planner.criteria._normalise import normalise
from planner.criteria._settings import CriteriaSettings
from planner.criteria._values import compute_values, optional_layer
from planner.criteria._weights import (
    AhpResult,
    ahp_weights,
    combine_weights,
    critic_weights,
    entropy_weights,
)

log = logging.getLogger("planner.criteria")

REQUIRED_COLUMNS = ("city_id", "name", "iso3", "population", "lon", "lat")


@dataclass(frozen=True)
class Scores:
    """What scoring produced.

    Attributes
    ----------
    frame
        One row per scored candidate, best first: the candidate's own columns, then
        ``region``, ``st_leading`` (bool), ``value_<c>`` (the measure used, in the
        catalogue's unit, after imputation; NaN when unreachable), ``score_<c>``
        (normalised, [0, 1], 1 = best),
        ``contrib_<c>`` (weight x score; they sum to ``score_total`` for the weighted sum),
        ``score_total`` ([0, 1]), ``rank`` (1 = best), ``lifts`` / ``holds_back``
        (semicolon-separated criterion ids), ``missing_criteria`` (semicolon-separated ids
        of the criteria whose value was not observed for the city: filled by a policy, or
        left out and reweighted), ``imputed_weight_share`` (share of the criterion weight
        on those values, in [0, 1]) and ``low_confidence`` (that share exceeds
        ``low_confidence_share``). A criterion left out of a candidate's score (policy
        ``omit``) has ``value_<c>`` NaN and ``score_<c>`` equal to the candidate's own
        weighted mean over its known criteria, which is the same as rescaling the other
        weights: its contributions still sum to the total. A GeoDataFrame when the
        candidates were one.
    fit
        Per-industry fit, candidates (index ``city_id``, same order as ``frame``) x
        industries, in [0, 1]; missing values imputed with the ``industry_fit`` policy.
    industry_weights
        Industry id -> weight (sum 1).
    weights
        Criterion id -> weight used (sum 1).
    group_weights
        Group id -> total weight of its criteria.
    criteria
        The criteria scored, as configured.
    method
        ``"weighted_sum"`` or ``"topsis"``.
    missing
        :class:`MissingReport`.
    filters
        :class:`FilterReport`.
    ahp
        AHP results (weights and consistency ratios) when AHP was used.
    zone_evidence
        Candidates (index ``city_id``, as ``fit``) x industries: the home province's
        cooperation zone nearby whose sectors match the industry (``"Zhejiang's Vietnam
        Longjiang Industrial Park (59 km away) works in electronics"``), else ``""``;
        ``None`` without zones or a home province.
    zone_parts
        The same as structured parts (a dict per zone, see
        :func:`planner.criteria._values.zone_sector_parts`; None where no zone), from
        which the reasons are written in each language.
    """

    frame: pd.DataFrame
    fit: pd.DataFrame
    industry_weights: pd.Series
    weights: pd.Series
    group_weights: pd.Series
    criteria: tuple[Criterion, ...]
    method: str
    missing: MissingReport
    filters: FilterReport
    ahp: tuple[AhpResult, ...] = ()
    zone_evidence: pd.DataFrame | None = None
    zone_parts: pd.DataFrame | None = None


def score_candidates(
    candidates: pd.DataFrame,
    *,
    access: pd.DataFrame | None,
    layers: Mapping[str, Any] | None,
    settings: CriteriaSettings | None = None,
    industries: Mapping[str, float] | None = None,
    home_country: str = "CHN",
    province: str | None = None,
) -> Scores:
    """Score candidate cities on the criteria catalogue.

    Parameters
    ----------
    candidates
        Candidate cities (columns city_id, name, iso3, population, lon, lat; geometry
        optional; a ``cost_musd`` column replaces the GDP-per-capita cost proxy).
    access
        The accessibility table (one row per city_id), or ``None``: the criteria it feeds
        are then left out and reported.
    layers
        Layer name -> frame (a :class:`planner.layers.LayerSet`): indicators,
        belt_and_road, innovation_clusters, industries, countries. Absent layers leave
        their criteria out, reported in ``Scores.missing.dropped``.
    settings
        :func:`criteria_settings_from_mapping` of the scenario's ``[criteria]``; catalogue
        defaults when ``None``.
    industries
        The scenario's industry id -> weight; every industry of the layer, equally
        weighted, when empty.
    home_country
        ISO3 of the home country (cultural distance is measured from it).
    province
        The home province: the cooperation zones it sponsors are evidence of industry fit
        for the candidates near them (see :func:`planner.criteria.zone_sector_evidence`);
        ``None`` leaves that evidence out.

    Returns
    -------
    Scores

    Raises
    ------
    CriteriaError
        When the candidates lack a required column, no candidate survives the filters,
        every criterion is missing, or the weights are inconsistent (AHP CR > 0.10).
    """
    settings = settings if settings is not None else CriteriaSettings()
    _validate_candidates(candidates)
    raw = compute_values(
        candidates,
        access=access,
        layers=layers,
        settings=settings,
        industries=industries,
        home_iso3=home_country,
        province=province,
    )
    by_id = {c.id: c for c in settings.criteria}
    used = [c for c in settings.criteria if c.id in raw.values]
    dropped = tuple((cid, why) for cid, why in raw.dropped.items() if cid in by_id)
    if not used:
        reasons = "; ".join(f"{c}: {why}" for c, why in dropped)
        msg = f"No criterion could be computed ({reasons}); provide the layers they need."
        raise CriteriaError(msg)

    keep, filter_report = apply_filters(
        candidates,
        settings=settings.filters,
        values=raw.values,
        criteria=by_id,
        bri_member=raw.bri_member,
        screens=optional_layer(layers, "host_screens") if settings.filters.screens else None,
    )
    if not keep.any():
        msg = (
            f"The hard filters removed every candidate city:\n{filter_report.summary()}\n"
            "Loosen criteria.filters."
        )
        raise CriteriaError(msg)

    dropped_list = list(dropped)
    for c in list(used):
        if c.id == "industry_fit":
            continue
        if raw.values[c.id][keep].notna().sum() == 0:
            used.remove(c)
            dropped_list.append((c.id, "no candidate left after the filters has a value"))
    dropped = tuple(dropped_list)
    if not used:
        msg = "No criterion has a value for the candidates left after the filters."
        raise CriteriaError(msg)

    iso3 = candidates["iso3"].astype(str)[keep]
    region = raw.region[keep]
    entries: list[MissingEntry] = []
    exclude = pd.Series(False, index=iso3.index)
    filled: dict[str, pd.Series] = {}
    # Share of each criterion's value not observed per candidate (1 = not observed; for
    # industry fit, the industry-weighted share of industries without data).
    unobserved: dict[str, pd.Series] = {}
    fit = raw.fit[keep]
    fit_policies = by_id["industry_fit"].missing if "industry_fit" in by_id else ("worst",)
    fit_cols = {}
    for ind in fit.columns:
        v, ex, e = impute(
            fit[ind], criterion=f"industry_fit:{ind}", policies=fit_policies,
            direction="higher", level="city", iso3=iso3, region=region, reference=raw.fit[ind],
        )  # fmt: skip
        if (v.isna() & ~ex).any():
            msg = (
                f"No candidate city has data on the industry {ind!r} (its indicators in the "
                "industries layer are missing from the indicators layer); add the data or "
                "give the industry no weight."
            )
            raise CriteriaError(msg)
        fit_cols[ind] = v
        exclude |= ex
        entries += e
    fit = pd.DataFrame(fit_cols, index=iso3.index, dtype=float)
    for c in used:
        if c.id == "industry_fit":
            w = pd.Series(raw.industry_weights)[fit.columns]
            filled[c.id] = fit @ w
            unobserved[c.id] = raw.fit[keep][fit.columns].isna().astype(float) @ w
            continue
        unreach = raw.unreachable.get(c.id)
        skip = unreach[keep] if unreach is not None else None
        v, ex, e = impute(
            raw.values[c.id][keep], criterion=c.id, policies=c.missing,
            direction=c.direction, level=c.level, iso3=iso3, region=region, skip=skip,
            reference=raw.values[c.id],
        )  # fmt: skip
        if skip is not None and skip.any():
            e.insert(0, MissingEntry(c.id, "unreachable", int(skip.sum()),
                                     int(iso3[skip].nunique())))  # fmt: skip
        filled[c.id] = v
        unobs = raw.values[c.id][keep].isna()
        if skip is not None:
            unobs &= ~skip.reindex(unobs.index, fill_value=False)
        unobserved[c.id] = unobs.astype(float)
        exclude |= ex
        entries += e
    rows = ~exclude
    if not rows.any():
        msg = "Every candidate was excluded by a missing-value policy 'exclude'; relax it."
        raise CriteriaError(msg)
    index = iso3.index[rows]

    ids = [c.id for c in used]
    s = np.empty((len(index), len(used)))
    for j, c in enumerate(used):
        x = filled[c.id][index]
        col = normalise(x, c.normalisation, direction=c.direction)
        unreach = raw.unreachable.get(c.id)
        if unreach is not None:
            col[unreach[index].to_numpy()] = 0.0
        s[:, j] = col
    # NaN left now = policy "omit": the criterion is left out of that candidate's score.
    omitted = np.isnan(s)
    u = np.column_stack([unobserved[c][index].to_numpy(float) for c in ids])

    weights, ahp_results = _weights(used, _column_mean_filled(s), settings)
    w = np.array([weights[c] for c in ids])
    s = _fill_omitted(s, omitted, w)
    total = topsis(s, w) if settings.method == "topsis" else weighted_sum(s, w)
    lifts, holds = explain(s, w, ids, n=settings.explain_n, eligible=u < 0.5)
    share = u @ w

    base = candidates.loc[index]
    extra: dict[str, Any] = {
        "region": region[index],
        "st_leading": raw.st_leading[index].astype(bool),
    }
    for j, c in enumerate(used):
        extra[f"value_{c.id}"] = filled[c.id][index]
        extra[f"score_{c.id}"] = s[:, j]
        extra[f"contrib_{c.id}"] = s[:, j] * w[j]
    extra["score_total"] = total
    frame = pd.concat([base, pd.DataFrame(extra, index=index)], axis=1)
    if hasattr(base, "geometry") and "geometry" in base.columns:
        frame = type(base)(frame, geometry="geometry", crs=getattr(base, "crs", None))
    frame["lifts"] = [";".join(x) for x in lifts]
    frame["holds_back"] = [";".join(x) for x in holds]
    names = np.asarray(ids, dtype=object)
    frame["missing_criteria"] = [";".join(names[row > 0]) for row in u]
    frame["imputed_weight_share"] = share
    frame["low_confidence"] = share > settings.low_confidence_share + 1e-12
    if settings.filters.exclude_low_confidence:
        low = frame["low_confidence"].to_numpy(bool)
        entry = FilterEntry(
            "low_confidence",
            f"low confidence: more than {settings.low_confidence_share:.0%} of the criterion "
            "weight on values not observed for the city",
            int(low.sum()),
            0,
            int((~low).sum()),
        )
        filter_report = FilterReport(filter_report.n_input, (*filter_report.entries, entry))
        if low.all():
            msg = (
                f"Every candidate is low-confidence:\n{filter_report.summary()}\nRaise "
                "criteria.low_confidence_share or set [candidates] exclude_low_confidence = "
                "false."
            )
            raise CriteriaError(msg)
        frame = frame.loc[~low]
    frame["rank"] = frame["score_total"].rank(method="min", ascending=False).astype(int)
    order = np.lexsort((frame["city_id"].to_numpy(), frame["rank"].to_numpy()))
    frame = frame.iloc[order]
    fit_out = fit.loc[frame.index]
    fit_out.index = pd.Index(frame["city_id"].to_numpy(), name="city_id")
    frame_index = frame.index
    frame = frame.reset_index(drop=True)

    gw = pd.Series({g: 0.0 for g in GROUPS})
    for c in used:
        gw[c.group] = gw.get(c.group, 0.0) + weights[c.id]
    missing = MissingReport(tuple(entries), dropped, raw.notes)
    zone_evidence = None
    if raw.zone_evidence is not None:
        zone_evidence = raw.zone_evidence.loc[frame_index]
        zone_evidence.index = fit_out.index
    zone_parts = None
    if raw.zone_parts is not None:
        zone_parts = raw.zone_parts.loc[frame_index]
        zone_parts.index = fit_out.index
    scores = Scores(
        frame=frame,
        fit=fit_out,
        industry_weights=pd.Series(raw.industry_weights, dtype=float),
        weights=pd.Series(weights, dtype=float)[ids],
        group_weights=gw[gw > 0],
        criteria=tuple(used),
        method=settings.method,
        missing=missing,
        filters=filter_report,
        ahp=ahp_results,
        zone_evidence=zone_evidence,
        zone_parts=zone_parts,
    )
    log.info(
        "scored %s candidate cities on %d criteria (%s, %s weights); filters removed %s, "
        "%s values not observed, %d criteria left out, %s low-confidence",
        f"{len(frame):,}", len(used), settings.method, settings.weighting,
        f"{filter_report.n_input - filter_report.n_output:,}", f"{missing.n_imputed:,}",
        len(dropped), f"{int(frame['low_confidence'].sum()):,}",
    )  # fmt: skip
    return scores


def score_scenario(
    scenario: Any,
    candidates: pd.DataFrame,
    *,
    access: pd.DataFrame | None,
    layers: Mapping[str, Any] | None,
) -> Scores:
    """Score candidates with a :class:`planner.scenario.Scenario`'s criteria, industries
    and home country, and its ``[candidates]`` host-country screens and low-confidence
    exclusion."""
    from dataclasses import replace

    from planner.criteria._settings import criteria_settings_from_mapping

    settings = criteria_settings_from_mapping(scenario.criteria)
    cand = getattr(scenario, "candidates", None)
    if "industry_zone_km" not in scenario.criteria:
        # the zones' evidence reaches as far as the kinds of centre call a city near a
        # zone the province sponsors
        radii = [
            float(kind["eligible"]["home_zone_km"])
            for kind in getattr(scenario, "kinds", ())
            if isinstance(kind.get("eligible"), Mapping)
            and kind["eligible"].get("home_zone_km") is not None
        ]
        if radii:
            settings = replace(settings, industry_zone_km=max(radii))
    settings = replace(
        settings,
        filters=replace(
            settings.filters,
            screens=tuple(getattr(cand, "screens", ())),
            exclude_low_confidence=bool(getattr(cand, "exclude_low_confidence", False)),
        ),
    )
    return score_candidates(
        candidates,
        access=access,
        layers=layers,
        settings=settings,
        industries=scenario.industries,
        home_country=getattr(scenario, "home_country", "CHN"),
        province=getattr(scenario, "province", None) or None,
    )


def fit_independence(scores: Scores, *, criterion: str = "innovation_index") -> pd.DataFrame:
    """How far each industry's fit follows one criterion across the scored candidates.

    Parameters
    ----------
    scores
        A scoring result.
    criterion
        The criterion to compare with (its ``score_<criterion>``); by default the
        innovation-strength criterion, the Global Innovation Index.

    Returns
    -------
    pandas.DataFrame
        One row per industry, then one for ``industry_fit`` (the weighted mean fit, the
        criterion): ``industry_id``, ``pearson`` and ``spearman`` (correlation with the
        criterion's score; NaN when either is constant or the criterion is not scored),
        ``n`` (candidates) and ``zone_evidence`` (candidates whose fit for the industry
        rests partly on a zone of the home province nearby).
    """
    col = f"score_{criterion}"
    frame = scores.frame.set_index("city_id")
    other = (
        pd.to_numeric(frame[col], errors="coerce").reindex(scores.fit.index)
        if col in frame.columns
        else pd.Series(np.nan, index=scores.fit.index)
    )
    fits = dict(scores.fit.items())
    w = scores.industry_weights.reindex(scores.fit.columns).fillna(0.0)
    fits["industry_fit"] = scores.fit @ w
    zones = scores.zone_evidence
    rows = []
    for ind, fit in fits.items():
        varied = fit.nunique() > 1 and other.nunique() > 1
        if zones is None:
            n_zone = 0
        elif ind in zones.columns:
            n_zone = int((zones[ind] != "").sum())
        elif ind == "industry_fit":
            n_zone = int((zones != "").any(axis=1).sum())
        else:
            n_zone = 0
        rows.append(
            {
                "industry_id": str(ind),
                "pearson": float(fit.corr(other)) if varied else math.nan,
                "spearman": float(fit.corr(other, method="spearman")) if varied else math.nan,
                "n": int((fit.notna() & other.notna()).sum()),
                "zone_evidence": n_zone,
            }
        )
    return pd.DataFrame(rows, columns=["industry_id", "pearson", "spearman", "n", "zone_evidence"])


def kind_score(scores: Scores, weights: Mapping[str, float], *, kind: str = "") -> np.ndarray:
    """A kind of centre's own total: the criterion scores weighed with its ``weights``.

    Parameters
    ----------
    scores
        The scenario's :class:`Scores` (their ``score_<c>`` columns are reused).
    weights
        Criterion id -> weight (>= 0); criteria not listed weigh 0. Weights of criteria
        this run did not score (left out for want of data) are dropped and the rest
        rescaled to sum 1.
    kind
        The kind's id, for messages.

    Returns
    -------
    numpy.ndarray
        One total in [0, 1] per row of ``scores.frame``, by the scenario's method
        (weighted sum or TOPSIS). A criterion omitted for a candidate (policy ``omit``)
        enters at that candidate's own weighted mean under the scenario's weights, as in
        ``score_total``.
    """
    from planner.criteria._catalogue import CRITERIA

    unknown = [c for c in weights if c not in CRITERIA and f"score_{c}" not in scores.frame]
    if unknown:
        msg = (
            f"kinds[{kind!r}].weights names {unknown!r}, which are not criteria; known "
            f"criteria: {', '.join(CRITERIA)}."
        )
        raise CriteriaError(msg)
    ids = [c for c, w in weights.items() if float(w) > 0 and f"score_{c}" in scores.frame]
    if not ids:
        msg = (
            f"kinds[{kind!r}].weights gives weight to no criterion this run scored "
            f"({', '.join(scores.weights.index)}); weigh at least one of them."
        )
        raise CriteriaError(msg)
    w = np.array([float(weights[c]) for c in ids])
    w = w / w.sum()
    s = scores.frame[[f"score_{c}" for c in ids]].to_numpy(dtype=float)
    total = topsis(s, w) if scores.method == "topsis" else weighted_sum(s, w)
    return np.clip(total, 0.0, 1.0)


def _column_mean_filled(s: np.ndarray) -> np.ndarray:
    """``s`` with each NaN replaced by its column's mean (for data-driven weights only)."""
    if not np.isnan(s).any():
        return s
    with np.errstate(invalid="ignore"):
        counts = (~np.isnan(s)).sum(axis=0)
        means = np.where(counts > 0, np.nansum(s, axis=0) / np.maximum(counts, 1), 0.5)
    return np.where(np.isnan(s), means[None, :], s)


def _fill_omitted(s: np.ndarray, omitted: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Score each omitted cell at the candidate's own weighted mean of its known scores.

    A weighted sum then equals the weighted mean over the known criteria, i.e. the omitted
    criteria left out and the other weights rescaled to 1; a candidate with no known
    criterion of positive weight scores 0.
    """
    if not omitted.any():
        return s
    known_w = np.where(omitted, 0.0, w[None, :])
    denom = known_w.sum(axis=1)
    num = (np.where(omitted, 0.0, s) * known_w).sum(axis=1)
    own = np.divide(num, denom, out=np.zeros_like(denom), where=denom > 0)
    return np.where(omitted, own[:, None], s)


def _validate_candidates(candidates: pd.DataFrame) -> None:
    lacking = [c for c in REQUIRED_COLUMNS if c not in candidates.columns]
    if lacking:
        msg = (
            f"The candidate cities lack the column(s) {lacking!r}; they need "
            f"{', '.join(REQUIRED_COLUMNS)} (the cities layer)."
        )
        raise CriteriaError(msg)
    if len(candidates) == 0:
        msg = "There are no candidate cities to score; loosen the scenario's [candidates]."
        raise CriteriaError(msg)
    if candidates["city_id"].duplicated().any():
        dup = candidates.loc[candidates["city_id"].duplicated(), "city_id"].head(5).tolist()
        msg = f"The candidate cities repeat the city_id(s) {dup!r}; keep one row per city."
        raise CriteriaError(msg)


def _weights(
    used: list[Criterion], s: np.ndarray, settings: CriteriaSettings
) -> tuple[dict[str, float], tuple[AhpResult, ...]]:
    ids = [c.id for c in used]
    groups = {c.id: c.group for c in used}
    results: list[AhpResult] = []
    group_weights: dict[str, float] | None = None
    if settings.group_weights is not None:
        group_weights = dict(settings.group_weights)
    elif settings.group_ahp is not None:
        res = ahp_weights(settings.group_ahp.matrix, settings.group_ahp.items)
        results.append(res)
        group_weights = dict(zip(res.items, res.weights.tolist(), strict=True))
    grouped = group_weights is not None

    base: dict[str, float] = {c.id: c.weight for c in used}
    if settings.weighting == "ahp" and settings.ahp is not None:
        res = ahp_weights(settings.ahp.matrix, settings.ahp.items)
        results.append(res)
        compared = dict(zip(res.items, res.weights.tolist(), strict=True))
        if not grouped:
            lost = [c for c in ids if c not in compared]
            if lost:
                msg = f"The AHP matrix does not compare {lost!r}; compare every criterion."
                raise CriteriaError(msg)
        for cid in ids:
            if cid in compared:
                base[cid] = compared[cid]
        if not grouped:
            base = {cid: base[cid] for cid in ids}
    elif settings.weighting in ("entropy", "critic"):
        fn = entropy_weights if settings.weighting == "entropy" else critic_weights
        if grouped:
            for g in dict.fromkeys(groups.values()):
                cols = [j for j, c in enumerate(ids) if groups[c] == g]
                wg = fn(s[:, cols])
                for j, wj in zip(cols, wg, strict=True):
                    base[ids[j]] = float(wj)
        else:
            base = dict(zip(ids, fn(s).tolist(), strict=True))
    weights = combine_weights(base, groups, group_weights)
    if not math.isclose(sum(weights.values()), 1.0, rel_tol=1e-9):  # pragma: no cover
        msg = f"The weights sum to {sum(weights.values())!r}, not 1; report this as a bug."
        raise CriteriaError(msg)
    return weights, tuple(results)


def format_scores(
    scores: Scores,
    *,
    top: int | None = 20,
    fmt: Literal["table", "csv", "geojson"] = "table",
) -> str:
    """Format scores for ``planner score``.

    Parameters
    ----------
    scores
        From :func:`score_candidates`.
    top
        The best N cities; ``None`` or 0 for all.
    fmt
        ``"table"``: rank, city, country, score, lifts, holds back, then the filter and
        missing-value summaries; ``"csv"``: the same columns plus city_id, lon, lat and
        every ``score_<criterion>``; ``"geojson"``: a FeatureCollection of points with
        those properties.
    """
    frame = scores.frame if not top else scores.frame.head(top)
    names = {c.id: c.name for c in scores.criteria}
    if fmt == "table":
        rows = [
            (
                str(r.rank),
                str(r.name),
                str(r.iso3),
                f"{r.score_total:.3f}",
                ", ".join(names.get(x, x) for x in str(r.lifts).split(";") if x),
                ", ".join(names.get(x, x) for x in str(r.holds_back).split(";") if x),
            )
            for r in frame.itertuples(index=False)
        ]
        head = ("rank", "city", "country", "score", "lifted by", "held back by")
        widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
                  for i, h in enumerate(head)]  # fmt: skip
        lines = ["  ".join(h.ljust(wd) for h, wd in zip(head, widths, strict=True)).rstrip()]
        lines.append("  ".join("-" * wd for wd in widths))
        lines += [
            "  ".join(v.ljust(wd) for v, wd in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        lines.append("")
        lines.append(
            f"{len(scores.frame):,} cities scored on {len(scores.criteria)} criteria "
            f"({scores.method.replace('_', ' ')})."
        )
        lines.append(scores.filters.summary())
        lines.append("Missing values:")
        lines += ["  " + x for x in scores.missing.summary().splitlines()]
        return "\n".join(lines) + "\n"
    cols = ["rank", "city_id", "name", "iso3", "lon", "lat", "score_total", "st_leading",
            "lifts", "holds_back"] + [f"score_{c.id}" for c in scores.criteria]  # fmt: skip
    out = pd.DataFrame(frame[cols]).rename(columns={"name": "city", "iso3": "country"})
    if fmt == "csv":
        return out.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    if fmt == "geojson":
        features = []
        for rec in out.to_dict(orient="records"):
            props = {k: _plain(v) for k, v in rec.items() if k not in ("lon", "lat")}
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point",
                             "coordinates": [float(rec["lon"]), float(rec["lat"])]},
                "properties": props,
            })  # fmt: skip
        return json.dumps({"type": "FeatureCollection", "features": features}, indent=1) + "\n"
    msg = f"fmt must be 'table', 'csv' or 'geojson', got {fmt!r}."
    raise ValueError(msg)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
