"""Stage 4: criteria catalogue, criterion values, normalisation, weights and scores.

The catalogue (:data:`CATALOGUE`) follows the criteria table of ``DESIGN.md``; every
criterion names its seed-document source. :func:`score_candidates` turns the candidate
cities, the accessibility table and the curated layers into a :class:`Scores`: a score per
criterion in [0, 1] (1 = best), the weighted contributions, a total, the criteria that lift
and hold back each city, the per-industry fit matrix the optimiser needs, and reports of
the hard filters and of every missing value (never a silent zero).

Pipeline: raw values -> hard filters (on raw values; host-country screens first) ->
missing-value policies -> normalisation -> weights (direct, AHP, entropy, CRITIC; flat or
by group) -> weighted sum or TOPSIS.

Unknown is unknown: a value not observed for a candidate is never lent from its
neighbours by default. Country-level measures without a value are left out of that
candidate's score and its other weights rescaled (policy ``omit``); the cluster criterion
counts an unknown as 0 (``zero``); every such value counts toward the candidate's
``imputed_weight_share``, and above ``low_confidence_share`` it is marked
``low_confidence``. A criterion that does not vary among the candidates, or was not
observed for a candidate, is never given as that candidate's reason.

A country "leads in science and technology" (seed 003 §3.4; column ``st_leading``) when
its latest WIPO Global Innovation Index score in the indicators layer is among the
``st_leading_top_n`` best (25 by default; ties included). A country without a GII score
is not counted as leading.

Cost (``cost``) is a price-level proxy: the host's GDP per capita in current US dollars
(World Bank WDI through the indicators layer), or the candidates' own ``cost_musd`` column
when the user supplies one. It ranks places by how expensive they are, it is not a budget
figure.
"""

from __future__ import annotations

from planner.criteria._aggregate import (
    MIN_REASON_SPREAD,
    explain,
    topsis,
    varying,
    weighted_sum,
)
from planner.criteria._catalogue import (
    CATALOGUE,
    CRITERIA,
    GROUPS,
    NORMALISATION_METHODS,
    Criterion,
    Normalisation,
    catalogue_frame,
    format_catalogue,
)
from planner.criteria._filters import SCREENS, FilterEntry, FilterReport, apply_filters
from planner.criteria._missing import MissingEntry, MissingReport, impute
from planner.criteria._normalise import normalise
from planner.criteria._reasons import (
    industry_reasons,
    reason_parts_by_centre,
    reason_parts_from_json,
    reason_parts_json,
    reasons_by_centre,
    render_reasons,
)
from planner.criteria._score import (
    Scores,
    fit_independence,
    format_scores,
    kind_score,
    score_candidates,
    score_scenario,
)
from planner.criteria._settings import (
    METHODS,
    MISSING_POLICIES,
    WEIGHTINGS,
    AhpMatrix,
    CriteriaSettings,
    FilterSettings,
    criteria_settings_from_mapping,
)
from planner.criteria._values import (
    RawValues,
    compute_values,
    haversine_km,
    kogut_singh,
    latest_indicators,
    st_leading_countries,
    zone_sector_evidence,
    zone_sector_parts,
)
from planner.criteria._weights import (
    CR_LIMIT,
    RANDOM_INDEX,
    AhpResult,
    ahp_weights,
    combine_weights,
    critic_weights,
    entropy_weights,
)

__all__ = [
    "CATALOGUE",
    "CRITERIA",
    "CR_LIMIT",
    "GROUPS",
    "METHODS",
    "MIN_REASON_SPREAD",
    "MISSING_POLICIES",
    "NORMALISATION_METHODS",
    "RANDOM_INDEX",
    "SCREENS",
    "WEIGHTINGS",
    "AhpMatrix",
    "AhpResult",
    "CriteriaSettings",
    "Criterion",
    "FilterEntry",
    "FilterReport",
    "FilterSettings",
    "MissingEntry",
    "MissingReport",
    "Normalisation",
    "RawValues",
    "Scores",
    "ahp_weights",
    "apply_filters",
    "catalogue_frame",
    "combine_weights",
    "compute_values",
    "criteria_settings_from_mapping",
    "critic_weights",
    "entropy_weights",
    "explain",
    "fit_independence",
    "format_catalogue",
    "format_scores",
    "haversine_km",
    "impute",
    "industry_reasons",
    "kind_score",
    "kogut_singh",
    "latest_indicators",
    "normalise",
    "reason_parts_by_centre",
    "reason_parts_from_json",
    "reason_parts_json",
    "reasons_by_centre",
    "render_reasons",
    "score_candidates",
    "score_scenario",
    "st_leading_countries",
    "topsis",
    "varying",
    "weighted_sum",
    "zone_sector_evidence",
    "zone_sector_parts",
]
