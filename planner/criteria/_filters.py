"""Hard filters on candidate cities, applied before normalisation and counted."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner._errors import CriteriaError
from planner.criteria._catalogue import Criterion
from planner.criteria._settings import FilterSettings

#: Host-country screens a scenario may apply (``[candidates] screens``); the countries of
#: each are rows of the ``host_screens`` layer, with the reason and its source.
SCREENS: dict[str, str] = {
    "un_sanctions_st": "UN Security Council sanctions that bar scientific and technical "
    "cooperation",
    "no_diplomatic_relations": "no diplomatic relations with the PRC",
}


@dataclass(frozen=True)
class FilterEntry:
    """One hard filter and what it did.

    Attributes
    ----------
    name
        Short id: ``excluded_countries``, ``require_bri``, ``min_population``,
        ``min:<criterion>``, ``max:<criterion>``.
    description
        The rule in words, with its threshold and unit.
    n_removed
        Candidates this filter removed (of those the earlier filters left).
    n_missing
        Of those, how many were removed because they had no value to test.
    n_remaining
        Candidates left after it.
    countries
        ``(iso3, reason)`` of the countries a host-country screen removed candidates
        from (empty for other filters).
    """

    name: str
    description: str
    n_removed: int
    n_missing: int
    n_remaining: int
    countries: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FilterReport:
    """Hard filters in the order they ran."""

    n_input: int
    entries: tuple[FilterEntry, ...]

    @property
    def n_output(self) -> int:
        """Candidates left after every filter."""
        return self.entries[-1].n_remaining if self.entries else self.n_input

    def to_frame(self) -> pd.DataFrame:
        """One row per filter: name, description, n_removed, n_missing, n_remaining."""
        return pd.DataFrame(
            [(e.name, e.description, e.n_removed, e.n_missing, e.n_remaining)
             for e in self.entries],
            columns=["name", "description", "n_removed", "n_missing", "n_remaining"],
        )  # fmt: skip

    def summary(self) -> str:
        """Plain-text lines for the CLI and the brief."""
        lines = [f"{self.n_input:,} candidate cities before filters"]
        for e in self.entries:
            extra = f" ({e.n_missing:,} without a value)" if e.n_missing else ""
            lines.append(f"{e.description}: removed {e.n_removed:,}{extra}, {e.n_remaining:,} left")
            lines += [f"  {iso3}: {reason}" for iso3, reason in e.countries]
        return "\n".join(lines)

    def screened(self) -> list[tuple[str, str, str]]:
        """``(screen, iso3, reason)`` for every country a host-country screen removed."""
        return [
            (e.name.removeprefix("screen:"), iso3, reason)
            for e in self.entries
            if e.name.startswith("screen:")
            for iso3, reason in e.countries
        ]


def apply_filters(
    candidates: pd.DataFrame,
    *,
    settings: FilterSettings,
    values: dict[str, pd.Series],
    criteria: dict[str, Criterion],
    bri_member: pd.Series | None,
    screens: pd.DataFrame | None = None,
) -> tuple[pd.Series, FilterReport]:
    """Keep mask of the candidates that pass every hard filter, and the report.

    A threshold on a criterion tests its raw value (unit of the catalogue's measure); a
    candidate without a value fails, counted in ``n_missing``. The host-country screens of
    ``settings.screens`` remove every candidate in a country ``screens`` (the
    ``host_screens`` layer: iso3, screen, reason, source, date) lists under them; the
    report names each country with its reason, also when no candidate lay there.
    """
    keep = pd.Series(True, index=candidates.index)
    entries: list[FilterEntry] = []

    def step(name: str, description: str, passes: pd.Series, missing: pd.Series | None) -> None:
        nonlocal keep
        removed = keep & ~passes
        n_missing = int((removed & missing).sum()) if missing is not None else 0
        keep = keep & passes
        entries.append(
            FilterEntry(name, description, int(removed.sum()), n_missing, int(keep.sum()))
        )

    iso3 = candidates["iso3"].astype(str)
    if settings.screens:
        table = _screen_table(screens, settings.screens)
        for screen in settings.screens:
            rows = table[table["screen"] == screen]
            reasons = tuple(
                (str(r["iso3"]), f"{r['reason']} ({r['source']}; {r['date']})")
                for r in rows.to_dict("records")
            )
            codes = {code for code, _ in reasons}
            removed = keep & iso3.isin(codes)
            keep = keep & ~iso3.isin(codes)
            entries.append(
                FilterEntry(
                    f"screen:{screen}",
                    f"host-country screen {screen} ({SCREENS[screen]})",
                    int(removed.sum()),
                    0,
                    int(keep.sum()),
                    reasons,
                )
            )
    if settings.excluded_countries:
        codes = ", ".join(settings.excluded_countries)
        step(
            "excluded_countries",
            f"country not in {codes}",
            ~iso3.isin(settings.excluded_countries),
            None,
        )
    if settings.require_bri:
        if bri_member is None:
            msg = (
                "criteria.filters.require_bri = true needs the belt_and_road layer, which is "
                "not available; add it or set require_bri = false."
            )
            raise CriteriaError(msg)
        step("require_bri", "Belt and Road cooperation document signed", bri_member, None)
    if settings.min_population is not None:
        pop = pd.to_numeric(candidates["population"], errors="coerce")
        step(
            "min_population",
            f"population >= {settings.min_population:,}",
            pop >= settings.min_population,
            pop.isna(),
        )
    for kind, bounds in (("min", settings.min_values), ("max", settings.max_values)):
        for cid, bound in bounds.items():
            c = criteria.get(cid)
            if c is None or cid not in values:
                msg = (
                    f"criteria.filters.{kind}.{cid} tests a criterion that could not be "
                    "computed (its layer or column is missing); remove the threshold or "
                    "provide the data."
                )
                raise CriteriaError(msg)
            v = values[cid]
            op = ">=" if kind == "min" else "<="
            passes = v >= bound if kind == "min" else v <= bound
            step(f"{kind}:{cid}", f"{c.measure} {op} {bound:g} {c.unit}".rstrip(), passes,
                 v.isna())  # fmt: skip
    return keep, FilterReport(len(candidates), tuple(entries))


def _screen_table(screens: pd.DataFrame | None, wanted: tuple[str, ...]) -> pd.DataFrame:
    """The host_screens layer, checked: the columns it needs and only known screen ids."""
    allowed = ", ".join(SCREENS)
    if screens is None:
        msg = (
            f"The scenario applies the host-country screens {list(wanted)!r} ([candidates] "
            "screens) but the host_screens layer is not available; add it or set "
            "screens = []."
        )
        raise CriteriaError(msg)
    lacking = {"iso3", "screen", "reason", "source", "date"} - set(screens.columns)
    if lacking:
        msg = (
            f"The host_screens layer lacks the column(s) {sorted(lacking)!r}; it needs iso3, "
            "screen, reason, source, date."
        )
        raise CriteriaError(msg)
    names = screens["screen"].astype(str)
    unknown = sorted(set(names) - set(SCREENS))
    if unknown:
        rows = [int(i) + 2 for i in screens.index[names.isin(unknown)][:5]]
        msg = (
            f"The host_screens layer names the unknown screen(s) {unknown!r} (rows {rows}); "
            f"use one of: {allowed}."
        )
        raise CriteriaError(msg)
    for screen in wanted:
        if screen not in SCREENS:
            msg = f"Unknown host-country screen {screen!r}; use one of: {allowed}."
            raise CriteriaError(msg)
    return screens.fillna("")
