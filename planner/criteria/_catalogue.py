"""The criteria catalogue: what each criterion measures, and where it comes from.

The rows follow the criteria table of ``DESIGN.md``; the ``source`` field cites the
section of the seed documents (``003``: Zuo, *Proposals for Zhejiang to accelerate the
layout of overseas innovation centres in the context of the Belt and Road Initiative*;
``000``: Wang, *Internationalization and cross-border cooperation of China's science
parks*, IASP 2016; ``004``: a thesis on the hi-tech industrial cluster of Zhongguancun
Science Park, §3.2 the diamond, §3.3 the engine of clustering).

Default weights are a documented starting point, not findings: they sum to 1 and a
scenario reweights them in its ``[criteria]`` table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Direction = Literal["higher", "lower"]
Level = Literal["city", "country"]
NormalisationMethod = Literal["minmax", "rank", "identity", "linear", "exponential", "logistic"]

NORMALISATION_METHODS: tuple[str, ...] = (
    "minmax",
    "rank",
    "identity",
    "linear",
    "exponential",
    "logistic",
)
DECAY_METHODS: tuple[str, ...] = ("linear", "exponential", "logistic")

GROUPS: dict[str, str] = {
    "geographic": "geographic accessibility",
    "economic": "economic accessibility",
    "institutional": "institutional accessibility",
    "innovation": "innovation strength",
    "talent": "talent",
    "industry_fit": "industry fit",
    "risk": "risk",
    "cost": "cost",
}


@dataclass(frozen=True)
class Normalisation:
    """How raw criterion values become scores in [0, 1], 1 = best.

    Parameters
    ----------
    method
        ``"minmax"`` (linear between the worst and best candidate), ``"rank"`` (rank
        percentile, robust to skewed measures such as GDP), ``"identity"`` (the value is
        already a share in [0, 1]; clipped), or a decay of a distance or time (lower is
        better): ``"linear"`` (1 at 0, 0 at ``cutoff`` and beyond), ``"exponential"``
        (halves every ``half_life``), ``"logistic"`` (S-curve falling through 0.5 near
        ``midpoint`` over a width ``width``, rescaled to 1 at 0).
    cutoff, half_life, midpoint, width
        Decay parameters, in the unit of the criterion's measure (hours or km).
    """

    method: NormalisationMethod = "minmax"
    cutoff: float | None = None
    half_life: float | None = None
    midpoint: float | None = None
    width: float | None = None

    def describe(self) -> str:
        """One short phrase for tables, e.g. ``"linear decay to 0 at 500 km"``."""
        if self.method == "linear":
            return f"linear decay, 0 at {self.cutoff:g}"
        if self.method == "exponential":
            return f"exponential decay, half-life {self.half_life:g}"
        if self.method == "logistic":
            return f"logistic decay, midpoint {self.midpoint:g}, width {self.width:g}"
        if self.method == "rank":
            return "rank percentile"
        if self.method == "identity":
            return "share in [0, 1]"
        return "min-max"


@dataclass(frozen=True)
class Criterion:
    """One row of the catalogue.

    Parameters
    ----------
    id
        Identifier used in scenarios and in output columns (``score_<id>``).
    group
        Group id, a key of :data:`GROUPS`.
    name
        Short human label.
    description
        What is measured and how it is computed.
    measure
        The raw measure, named with its unit (``rail_time_h``).
    unit
        Unit of the raw measure.
    direction
        ``"higher"`` or ``"lower"`` is better.
    level
        ``"city"`` when measured per candidate city, ``"country"`` when per host country.
    normalisation
        Default :class:`Normalisation`.
    weight
        Default weight (all defaults sum to 1).
    missing
        Default missing-value policy chain (see :mod:`planner.criteria`).
    source
        Seed document sections the criterion comes from.
    """

    id: str
    group: str
    name: str
    description: str
    measure: str
    unit: str
    direction: Direction
    level: Level
    normalisation: Normalisation
    weight: float
    missing: tuple[str, ...]
    source: str


def _c(
    id_: str,
    group: str,
    name: str,
    description: str,
    measure: str,
    unit: str,
    direction: Direction,
    level: Level,
    normalisation: Normalisation,
    weight: float,
    missing: tuple[str, ...],
    source: str,
) -> Criterion:
    return Criterion(
        id_, group, name, description, measure, unit, direction, level, normalisation, weight,
        missing, source,
    )  # fmt: skip


_DECAY_H_RAIL = Normalisation("logistic", midpoint=360.0, width=72.0)
_DECAY_H_SEA = Normalisation("exponential", half_life=600.0)
_DECAY_H_AIR = Normalisation("linear", cutoff=36.0)

CATALOGUE: tuple[Criterion, ...] = (
    _c(
        "rail_time", "geographic", "rail freight time",
        "Hours from the province's rail hub to the city over the international rail "
        "network (accessibility table). Unreachable by rail scores 0.",
        "rail_time_h", "h", "lower", "city", _DECAY_H_RAIL, 0.05,
        ("country_median", "worst"), "003 §3.2; 000 §I(II)",
    ),
    _c(
        "sea_time", "geographic", "sea freight time",
        "Hours from the province's port over sea lanes, plus port time (accessibility "
        "table). Unreachable by sea scores 0.",
        "sea_time_h", "h", "lower", "city", _DECAY_H_SEA, 0.04,
        ("country_median", "worst"), "000 §I(II)",
    ),
    _c(
        "air_time", "geographic", "air travel time",
        "Hours for people from the province's airport over the nonstop routes of "
        "OpenFlights 2014, with the connections a trip needs (accessibility table); "
        "innovation flows are people.",
        "air_time_h", "h", "lower", "city", _DECAY_H_AIR, 0.05,
        ("country_median", "worst"), "000 §I(II)",
    ),
    _c(
        "rail_line", "geographic", "on an international train line",
        "Distance to the nearest node city of an international train line (China-Europe "
        "Railway Express and others).",
        "dist_rail_node_km", "km", "lower", "city", Normalisation("linear", cutoff=500.0),
        0.05, ("worst",), "003 §3.2",
    ),
    _c(
        "corridor", "geographic", "corridor proximity",
        "Distance to the nearest Belt and Road economic corridor or the Maritime Silk Road.",
        "dist_corridor_km", "km", "lower", "city",
        Normalisation("exponential", half_life=300.0), 0.04, ("worst",),
        "003 §3.2; 000 §I(II)",
    ),
    _c(
        "coop_zone", "economic", "cooperation zone proximity",
        "Distance to the nearest overseas economic and trade cooperation zone; zones not "
        "sponsored by the home province count at home_zone_factor times their distance, "
        "so the province's own zones weigh more.",
        "coop_zone_dist_km", "km", "lower", "city",
        Normalisation("exponential", half_life=300.0), 0.06, ("worst",), "003 §3.1",
    ),
    _c(
        "market_gdp", "economic", "market size: GDP",
        "Host country GDP, current US dollars (indicator gdp_usd, latest year).",
        "gdp_usd", "USD", "higher", "country", Normalisation("rank"), 0.04,
        ("omit",), "000 §I(II); 004 §3.2 demand conditions",
    ),
    _c(
        "city_population", "economic", "market size: city population",
        "Population of the candidate city (GeoNames). Also stands for city size in the "
        "talent pool, counted once here.",
        "population", "people", "higher", "city", Normalisation("rank"), 0.03,
        ("exclude",), "000 §I(II); 003 §1.3",
    ),
    _c(
        "trade_china", "economic", "trade with China",
        "Bilateral trade of the host country with China, US dollars (china_trade_usd, "
        "latest year). A partner without a figure is unknown, not the worst value: the "
        "criterion is left out of its score.",
        "china_trade_usd", "USD", "higher", "country", Normalisation("rank"), 0.04,
        ("omit",), "003 §3.1",
    ),
    _c(
        "bri_document", "institutional", "Belt and Road cooperation document",
        "Years since the host signed a Belt and Road cooperation document, up to the "
        "reference year; 0 when it never signed or withdrew (a country absent from the "
        "belt_and_road table has not signed); a signatory whose year is unknown is missing.",
        "bri_years", "years", "higher", "country", Normalisation("minmax"), 0.05,
        ("omit",), "003 abstract; 000 §I(II)",
    ),
    _c(
        "st_agreement", "institutional", "science and technology agreement",
        "1 when an intergovernmental science and technology cooperation agreement (or a "
        "2019 S&T cooperation document, seed 003) with China is documented in the "
        "belt_and_road layer. Undocumented is unknown, not 'no' and not 'yes': China's "
        "Ministry of Science and Technology counts 116 agreements (February 2023) but "
        "publishes no list, so for a host without a documented agreement the criterion is "
        "left out of its score and its other weights are rescaled.",
        "st_agreement", "0/1", "higher", "country", Normalisation("identity"), 0.04,
        ("omit",), "003 abstract",
    ),
    _c(
        "rule_of_law", "institutional", "rule of law, regulatory quality",
        "Mean of the World Bank WGI rule of law and regulatory quality estimates "
        "(about -2.5 to 2.5); one alone when the other is missing.",
        "wgi_law_regulation", "WGI estimate", "higher", "country", Normalisation("minmax"),
        0.05, ("omit",), "000 §V(1); 004 §3.2 firm strategy",
    ),
    _c(
        "innovation_index", "innovation", "innovation capacity: GII",
        "WIPO Global Innovation Index score of the host country (0-100, latest edition).",
        "gii_score", "score 0-100", "higher", "country", Normalisation("minmax"), 0.06,
        ("omit",), "003 §3.4; 003 §2.1",
    ),
    _c(
        "rd_intensity", "innovation", "innovation capacity: R&D",
        "Gross domestic expenditure on R&D, % of GDP (rd_pct_gdp, latest year).",
        "rd_pct_gdp", "% of GDP", "higher", "country", Normalisation("minmax"), 0.04,
        ("omit",), "003 §3.4; 003 §2.1",
    ),
    _c(
        "innovation_cluster", "innovation", "innovation cluster",
        "Strength of the best WIPO science and technology cluster within cluster_radius_km "
        "of the city: 1 - (rank - 1) / N in the latest edition, N = cluster_ranked_n (100, "
        "the length of WIPO's ranking) or the largest rank listed. The layer holds ranks "
        "1-35 of GII 2023 only: a city not within reach of one of them has no cluster data "
        "(it may lie near a cluster ranked 36-100), which is unknown, not 'no cluster'; it "
        "is counted as 0, a documented conservative value (no credit for a cluster not "
        "shown). With a complete ranking in the layer, 0 means no ranked cluster in reach.",
        "cluster_strength", "share 0-1", "higher", "city", Normalisation("identity"), 0.05,
        ("zero",), "003 §2.2; 003 §3.4; 004 §3.3",
    ),
    _c(
        "tertiary_enrolment", "talent", "talent pool: tertiary enrolment",
        "Gross tertiary enrolment ratio, % (tertiary_enrolment_pct, latest year).",
        "tertiary_enrolment_pct", "%", "higher", "country", Normalisation("minmax"), 0.04,
        ("omit",), "000 §V(1); 003 §1.3",
    ),
    _c(
        "researchers", "talent", "talent pool: researchers",
        "Researchers in R&D per million people (researchers_per_million, latest year).",
        "researchers_per_million", "per million", "higher", "country", Normalisation("rank"),
        0.05, ("omit",), "000 §V(1); 003 §1.3",
    ),
    _c(
        "industry_fit", "industry_fit", "fit with the home industries",
        "For each home industry, the host's strength: rank percentile of the industry's "
        "indicators among countries, blended with the strength of nearby innovation "
        "clusters active in the industry's technology fields; a cooperation zone the home "
        "province sponsors within industry_zone_km (the kinds' home_zone_km, else 150) "
        "whose sectors match the industry's zone_sectors moves the fit "
        "industry_zone_share (0.5) of the way to 1; averaged with the scenario's "
        "industry weights. A host with none of an industry's indicators takes the worst "
        "observed fit for it (conservative: the optimiser needs a fit for every industry).",
        "industry_fit", "share 0-1", "higher", "city", Normalisation("identity"), 0.10,
        ("worst",), "003 §3.3; 003 §3.4",
    ),
    _c(
        "political_stability", "risk", "political stability",
        "World Bank WGI political stability and absence of violence estimate "
        "(about -2.5 to 2.5).",
        "wgi_political_stability", "WGI estimate", "higher", "country",
        Normalisation("minmax"), 0.05, ("omit",), "000 §V(1)",
    ),
    _c(
        "cultural_distance", "risk", "cultural distance",
        "Kogut-Singh index of the host's Hofstede dimensions against China's: mean over "
        "the dimensions both have of the squared difference divided by the dimension's "
        "variance across countries (at least 4 of the 6 dimensions).",
        "kogut_singh", "index", "lower", "country", Normalisation("minmax"), 0.03,
        ("omit",), "000 §V(1); 004 §3.3",
    ),
    _c(
        "cost", "cost", "setup and running cost",
        "Price-level proxy: host GDP per capita in current US dollars (wages and rents "
        "follow it), or the candidates' own cost_musd column when the user supplies one.",
        "cost_proxy", "USD per person (or MUSD)", "lower", "country", Normalisation("rank"),
        0.04, ("omit",), "DESIGN: the budget",
    ),
)  # fmt: skip

CRITERIA: dict[str, Criterion] = {c.id: c for c in CATALOGUE}

#: What each missing-value policy does; ``planner criteria`` prints it under the table.
MISSING_POLICY_TEXT: dict[str, str] = {
    "omit": "unknown: the criterion is left out of that candidate's score and its other "
    "weights are rescaled to sum to 1 (a country never borrows strength it has not shown)",
    "zero": "unknown, counted as 0, the lower end of a 0-1 measure (a documented "
    "conservative value)",
    "worst": "the worst value observed among the candidates (conservative)",
    "country_median": "the median of the other cities of the same country",
    "region_median": "the median of the same UN subregion (lends neighbours' strength; "
    "no default uses it)",
    "exclude": "the candidate is dropped",
}
UNOBSERVED_NOTE = (
    "Every value not observed for a candidate (filled or left out) counts toward its "
    "imputed_weight_share, the share of its criterion weight resting on unobserved values; "
    "above criteria.low_confidence_share (0.25 by default) the candidate is marked "
    "low_confidence, and [candidates] exclude_low_confidence = true removes it."
)


def catalogue_frame(catalogue: tuple[Criterion, ...] = CATALOGUE) -> pd.DataFrame:
    """The catalogue as a DataFrame, one row per criterion.

    Columns: id, group, name, measure, unit, direction, level, normalisation, weight,
    missing, source, description.
    """
    rows = [
        {
            "id": c.id,
            "group": GROUPS.get(c.group, c.group),
            "name": c.name,
            "measure": c.measure,
            "unit": c.unit,
            "direction": c.direction,
            "level": c.level,
            "normalisation": c.normalisation.describe(),
            "weight": c.weight,
            "missing": " > ".join(c.missing),
            "source": c.source,
            "description": c.description,
        }
        for c in catalogue
    ]
    return pd.DataFrame(rows)


def format_catalogue(
    catalogue: tuple[Criterion, ...] = CATALOGUE,
    *,
    fmt: Literal["table", "markdown", "csv"] = "table",
) -> str:
    """Format the catalogue for ``planner criteria``.

    Parameters
    ----------
    catalogue
        Criteria to show; the built-in catalogue by default.
    fmt
        ``"table"`` (aligned plain text, without descriptions), ``"markdown"`` (with
        descriptions) or ``"csv"`` (every field).
    """
    frame = catalogue_frame(catalogue)
    if fmt == "csv":
        buf = io.StringIO()
        frame.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        return buf.getvalue()
    if fmt == "markdown":
        cols = ["id", "group", "measure", "unit", "direction", "normalisation", "weight",
                "missing", "source", "description"]  # fmt: skip
        lines = ["| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols)]
        for row in frame[cols].itertuples(index=False):
            cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return "\n".join(lines) + "\n"
    if fmt != "table":
        msg = f"fmt must be 'table', 'markdown' or 'csv', got {fmt!r}."
        raise ValueError(msg)
    cols = ["id", "group", "measure", "direction", "level", "normalisation", "weight",
            "missing", "source"]  # fmt: skip
    shown = frame[cols].copy()
    shown["weight"] = shown["weight"].map(lambda w: f"{w:.2f}")
    widths = [max(len(c), *(len(str(v)) for v in shown[c])) for c in cols]
    out = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    for row in shown.itertuples(index=False):
        out.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    out += ["", "Missing values (column 'missing', tried in order):"]
    used = dict.fromkeys(p for c in catalogue for p in c.missing)
    out += [f"  {p}: {MISSING_POLICY_TEXT[p]}" for p in used if p in MISSING_POLICY_TEXT]
    out += ["  " + UNOBSERVED_NOTE]
    for cid in ("st_agreement", "innovation_cluster"):
        c = next((c for c in catalogue if c.id == cid), None)
        if c is not None:
            out.append(f"  {cid}: {c.description}")
    return "\n".join(line.rstrip() for line in out) + "\n"
