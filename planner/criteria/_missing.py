"""Missing values: explicit policies per criterion, counted and reported."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.criteria._catalogue import Direction, Level

# Policies after which nothing is left missing (or left missing on purpose, ``omit``).
TERMINAL_POLICIES: tuple[str, ...] = ("worst", "zero", "omit", "exclude")


@dataclass(frozen=True)
class MissingEntry:
    """How many candidates one policy settled for one criterion.

    Attributes
    ----------
    criterion
        Criterion id (``industry_fit:<industry>`` for one column of the fit matrix).
    policy
        ``country_median``, ``region_median``, ``worst``, ``zero``, ``omit`` (left out of
        the candidate's score, the other weights rescaled), ``exclude``, ``worst (end of
        chain)`` when the scenario's chain left values missing, or ``unreachable`` (a
        travel time the network cannot provide; scored 0).
    n_candidates
        Candidate cities concerned.
    n_countries
        Distinct countries among them.
    """

    criterion: str
    policy: str
    n_candidates: int
    n_countries: int


@dataclass(frozen=True)
class MissingReport:
    """Every imputation, exclusion and dropped criterion of one scoring run.

    Attributes
    ----------
    entries
        One :class:`MissingEntry` per criterion and policy that settled values.
    dropped
        ``(criterion, reason)`` for criteria that could not be computed at all.
    notes
        Data gaps that change how a criterion is computed without dropping it.
    """

    entries: tuple[MissingEntry, ...]
    dropped: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()

    @property
    def n_imputed(self) -> int:
        """Values not observed and settled by a fill or left out (not exclusions, not
        unreachable)."""
        return sum(
            e.n_candidates for e in self.entries if e.policy not in ("exclude", "unreachable")
        )

    @property
    def n_excluded(self) -> int:
        """Candidate-criterion pairs that excluded a candidate (a city may count twice)."""
        return sum(e.n_candidates for e in self.entries if e.policy == "exclude")

    def to_frame(self) -> pd.DataFrame:
        """One row per entry: criterion, policy, n_candidates, n_countries."""
        return pd.DataFrame(
            [(e.criterion, e.policy, e.n_candidates, e.n_countries) for e in self.entries],
            columns=["criterion", "policy", "n_candidates", "n_countries"],
        )

    def summary(self) -> str:
        """Plain-text lines for the CLI and the brief."""
        lines = [
            f"{e.criterion}: {e.n_candidates:,} candidate(s) in {e.n_countries} "
            f"countr{'y' if e.n_countries == 1 else 'ies'} -> "
            f"{_POLICY_WORDS.get(e.policy, e.policy)}"
            for e in self.entries
        ]
        lines += [f"{c}: left out ({why})" for c, why in self.dropped]
        lines += list(self.notes)
        return "\n".join(lines) if lines else "no missing values"


_POLICY_WORDS = {
    "omit": "unknown: left out of the candidate's score, its other weights rescaled",
    "zero": "unknown: counted as 0 (no credit for what is not shown)",
}


def impute(
    values: pd.Series,
    *,
    criterion: str,
    policies: tuple[str, ...],
    direction: Direction,
    level: Level,
    iso3: pd.Series,
    region: pd.Series,
    skip: pd.Series | None = None,
    reference: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series, list[MissingEntry]]:
    """Fill a criterion's missing values with its policy chain.

    Parameters
    ----------
    values
        Raw values of the candidates still in play (NaN = missing).
    criterion
        Id used in the report.
    policies
        Tried in order on the values still missing: ``country_median`` (median of the
        other cities of the same country; city-level criteria only), ``region_median``
        (median over the same UN subregion: over cities for city-level criteria, over
        countries for country-level ones; it lends a country its neighbours' strength, so
        no default uses it), ``worst`` (the worst observed value), ``zero`` (0, the lower
        end of a measure in [0, 1]: no credit for what the candidate has not shown),
        ``omit`` (leave the value missing: the criterion is left out of that candidate's
        score and its other weights are rescaled, see :func:`planner.criteria.score_candidates`)
        or ``exclude`` (drop the candidate). Values still missing at the end take the worst
        value, reported as ``worst (end of chain)``.
    direction, level
        Of the criterion.
    iso3, region
        Country and region of each candidate.
    skip
        Candidates not to impute (unreachable travel times).
    reference
        Values of a wider pool (every candidate before the hard filters); ``worst`` takes
        its worst value when none of ``values`` is known.

    Returns
    -------
    tuple
        ``(filled values, exclude mask, report entries)``.
    """
    v = values.astype(float).copy()
    todo = v.isna()
    if skip is not None:
        todo &= ~skip.reindex(v.index, fill_value=False)
    exclude = pd.Series(False, index=v.index)
    entries: list[MissingEntry] = []
    known = v.notna()
    if not todo.any():
        return v, exclude, entries

    def record(mask: pd.Series, policy: str) -> None:
        if mask.any():
            entries.append(
                MissingEntry(criterion, policy, int(mask.sum()), int(iso3[mask].nunique()))
            )

    chain = [*policies]
    if chain[-1] not in TERMINAL_POLICIES:
        chain.append("worst (end of chain)")
    for policy in chain:
        if not todo.any():
            break
        if policy == "country_median":
            if level == "country":
                continue
            med = v[known].groupby(iso3[known]).median()
            fill = iso3[todo].map(med)
        elif policy == "region_median":
            have = known & region.notna()
            if level == "country":
                per_country = v[have].groupby(iso3[have]).first()
                reg_of = region[have].groupby(iso3[have]).first()
                med = per_country.groupby(reg_of).median()
            else:
                med = v[have].groupby(region[have]).median()
            fill = region[todo].map(med).astype(float)
        elif policy == "omit":
            record(todo, "omit")
            break
        elif policy == "zero":
            fill = pd.Series(0.0, index=v.index[todo])
        elif policy == "exclude":
            record(todo, "exclude")
            exclude |= todo
            todo = todo & False
            break
        else:  # worst
            observed = v[known]
            if observed.empty and reference is not None:
                observed = reference.dropna()
            worst = (
                np.nan
                if observed.empty
                else (observed.min() if direction == "higher" else observed.max())
            )
            fill = pd.Series(worst, index=v.index[todo])
        fill = fill.dropna()
        if fill.empty:
            continue
        v.loc[fill.index] = fill
        done = pd.Series(False, index=v.index)
        done.loc[fill.index] = True
        record(done, policy)
        todo &= ~done
    return v, exclude, entries
