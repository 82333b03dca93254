"""How far each industry's fit is independent of the innovation index (issue 13).

For the default scenario's candidates, the Pearson and Spearman correlation of each
industry's fit (and of the weighted mean fit, the ``industry_fit`` criterion) with the
innovation-strength criterion's score (``score_innovation_index``, the Global Innovation
Index), in three variants of the evidence:

``before``
    Country indicators only, high-end equipment measured by patents, logistics and GDP,
    as before the zone evidence (``industry_zone_share = 0`` and the old mapping).
``indicator``
    Equipment measured by container port traffic instead of GDP; zones still off.
``after``
    The shipped default: the new indicator and the province's own zones.

Not a timing: the figures are correlations, the same on any machine.

    python tests/bench/bench_fit_independence.py
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pandas as pd

from planner import criteria as C
from planner._paths import geodata_path
from planner.pipeline import prepare
from planner.scenario import read_scenario

OLD_EQUIPMENT = "patents_resident;lpi_score;gdp_usd"


def _table(*, zones: bool, old_equipment: bool, tmp: Path) -> pd.DataFrame:
    scenario = read_scenario(None)
    if not zones:
        criteria = {**scenario.criteria, "industry_zone_share": 0.0}
        scenario = dataclasses.replace(scenario, criteria=criteria)
    overrides = {}
    if old_equipment:
        table = pd.read_csv(geodata_path("industries.csv"))
        table.loc[table["industry_id"] == "high_end_equipment", "indicators"] = OLD_EQUIPMENT
        path = tmp / "industries_before.csv"
        table.to_csv(path, index=False)
        overrides["industries"] = path
    prepared = prepare(scenario, overrides=overrides, until="criteria")
    return C.fit_independence(prepared.scores, criterion="innovation_index")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        variants = {
            "before": _table(zones=False, old_equipment=True, tmp=Path(tmp)),
            "indicator": _table(zones=False, old_equipment=False, tmp=Path(tmp)),
            "after": _table(zones=True, old_equipment=False, tmp=Path(tmp)),
        }
    first = next(iter(variants.values()))
    print(f"candidates: {int(first['n'].iloc[0]):,}")
    print(
        f"{'industry':32s}"
        + "".join(f"{v + ' r':>14s}{v + ' rho':>14s}" for v in variants)
        + f"{'zone cands':>12s}"
    )
    for i, ind in enumerate(first["industry_id"]):
        cells = "".join(
            f"{t['pearson'].iloc[i]:>14.2f}{t['spearman'].iloc[i]:>14.2f}"
            for t in variants.values()
        )
        print(f"{ind:32s}{cells}{int(variants['after']['zone_evidence'].iloc[i]):>12d}")


if __name__ == "__main__":
    main()
