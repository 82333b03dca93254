"""The bad-input catalogue: what a hostile but realistic user may give planner.

Each case is one kind of bad input driven through the real command line. Every case must
end cleanly: exit code 1, an ``Error:`` line that names the problem (the expected
fragment), no traceback, and nothing written or deleted in the case's folder. Add a case
here for every new kind of bad input that is found; the catalogue only grows.

Cases run on fast paths (validation before any work); none builds the network.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.scenario import read_scenario

ROOT = Path(__file__).resolve().parents[1]
ZHEJIANG = (ROOT / "models" / "zhejiang.toml").read_text(encoding="utf-8")
CITIES_HEADER = "city_id,name,iso3,population,lon,lat\n"
ALL_CRITERIA = (
    "rail_time", "sea_time", "air_time", "rail_line", "corridor", "coop_zone", "market_gdp",
    "city_population", "trade_china", "bri_document", "st_agreement", "rule_of_law",
    "innovation_index", "rd_intensity", "innovation_cluster", "tertiary_enrolment",
    "researchers", "industry_fit", "political_stability", "cultural_distance", "cost",
)  # fmt: skip


def _run_record(**changes: object) -> str:
    """A run.json as `planner run` writes it (the default scenario, no centres)."""
    record: dict[str, object] = {
        "planner_run": 1,
        "scenario": read_scenario().to_dict(),
        "status": "optimal",
        "objective": 1.0,
        "bound": 1.0,
        "gap": 0.0,
        "backend": "cbc",
        "centres": [{"city_id": 1, "name": "Almaty", "iso3": "KAZ"}],
        "constraints": [],
        "weights": {"rail_time": 1.0},
        "industries": [],
    }
    record.update(changes)
    for key in [k for k, v in record.items() if v is _DROP]:
        del record[key]
    return json.dumps(record)


_DROP = object()
PLAN_CSV = "rank,city_id,name,iso3,lon,lat,score_total,industries\n1,1,Almaty,KAZ,76.9,43.2,0.5,\n"
CANDIDATES_CSV = "rank,city_id,name,iso3,lon,lat,score_total\n1,1,Almaty,KAZ,76.9,43.2,0.5\n"


def _run_folder(run_json: str, plan: str = PLAN_CSV, candidates: str = CANDIDATES_CSV):
    return {"run/run.json": run_json, "run/plan.csv": plan, "run/candidates.csv": candidates}


@dataclass(frozen=True)
class Case:
    """One kind of bad input.

    ``files`` are created under the case's folder before the command runs (text or
    bytes; a name ending in ``/`` makes a folder). ``{tmp}`` in ``args`` is the case's
    folder. ``cwd`` runs the command from a folder inside it; ``home`` points HOME there.
    """

    id: str
    description: str
    args: tuple[str, ...]
    message: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    cwd: str | None = None
    home: str | None = None
    skip: Callable[[], str | None] | None = None


def _not_root_or_no_proc() -> str | None:
    return None if os.path.isdir("/proc") else "needs /proc"


CASES: tuple[Case, ...] = (
    # ------------------------------------------------------------------ scenarios
    Case(
        "run-unknown-language",
        "planner run --lang with a language planner does not write",
        ("run", "--lang", "zh,fr", "--out", "{tmp}/run"),
        "--lang: unknown language 'fr'",
    ),
    Case(
        "scenario-unknown-language",
        "[outputs] lang with a language planner does not write",
        ("scenario", "check", "{tmp}/lang.toml"),
        "outputs.lang: unknown language 'klingon'",
        {"lang.toml": ZHEJIANG.replace(
            "map_top_n = 200", 'map_top_n = 200\nlang = ["zh", "klingon"]'
        )},
    ),
    Case(
        "scenario-unknown-key",
        "a key the scenario format does not have",
        ("scenario", "check", "{tmp}/bad.toml"),
        "unknown key 'colour'",
        {"bad.toml": 'name = "x"\nprovince = "Zhejiang"\ncolour = 1\n'},
    ),
    Case(
        "scenario-is-a-folder",
        "a folder given where a scenario file is expected",
        ("scenario", "check", "{tmp}/models"),
        "is a folder, not a file",
        {"models/": "", "models/a.toml": ZHEJIANG},
    ),
    Case(
        "scenario-missing",
        "a scenario path that does not exist",
        ("run", "{tmp}/nope.toml", "--out", "{tmp}/run"),
        "does not exist",
    ),
    Case(
        "scenario-all-zero-weights",
        "criteria weights that are all zero",
        ("scenario", "check", "{tmp}/zero.toml"),
        "every criterion weight is 0",
        {"zero.toml": ZHEJIANG + "\n[criteria.weights]\n" + "".join(
            f"{c} = 0\n" for c in ALL_CRITERIA
        )},
    ),
    Case(
        "scenario-all-zero-weights-run",
        "the same scenario given to a run is refused before any work",
        ("run", "{tmp}/zero.toml", "--out", "{tmp}/run"),
        "every criterion weight is 0",
        {"zero.toml": ZHEJIANG + "\n[criteria.weights]\n" + "".join(
            f"{c} = 0\n" for c in ALL_CRITERIA
        )},
    ),
    Case(
        "scenario-unknown-industry",
        "an industry the industries layer does not list",
        ("scenario", "check", "{tmp}/q.toml"),
        "'quantum_widgets' is not an industry",
        {"q.toml": ZHEJIANG.replace(
            "digital_creativity = 1.0", "digital_creativity = 1.0\nquantum_widgets = 1.0"
        )},
    ),
    Case(
        "scenario-no-candidates",
        "a candidate filter that keeps no city",
        ("scenario", "check", "{tmp}/c.toml"),
        "[candidates]: no city passes the filter",
        {"c.toml": ZHEJIANG.replace("min_population = 300000", "min_population = 3000000000")},
    ),
    Case(
        "scenario-bad-layer-file",
        "a scenario whose [layers] names an empty file",
        ("scenario", "check", "{tmp}/l.toml"),
        "is empty",
        {"l.toml": ZHEJIANG + '\n[layers]\ncities = "cities.csv"\n', "cities.csv": ""},
    ),
    # ------------------------------------------------------------------ user layers
    Case(
        "layer-zero-bytes",
        "a 0-byte CSV",
        ("layers", "validate", "cities={tmp}/cities.csv"),
        "cities.csv' is empty",
        {"cities.csv": ""},
    ),
    Case(
        "layer-zero-bytes-run",
        "a 0-byte CSV given to a run",
        ("run", "--layer", "cities={tmp}/cities.csv", "--out", "{tmp}/run"),
        "cities.csv' is empty",
        {"cities.csv": ""},
    ),
    Case(
        "layer-header-only",
        "a layer with a header and no rows",
        ("layers", "validate", "cities={tmp}/cities.csv"),
        "no data rows",
        {"cities.csv": CITIES_HEADER},
    ),
    Case(
        "layer-header-only-run",
        "a run with a header-only layer blames the file, not the scenario",
        ("run", "--layer", "cities={tmp}/cities.csv", "--out", "{tmp}/run"),
        "cities.csv) has 1 problem(s):\n  - no data rows",
        {"cities.csv": CITIES_HEADER},
    ),
    Case(
        "layer-number-overflows-float",
        "a number beyond the range of a float",
        ("layers", "validate", "cities={tmp}/cities.csv"),
        "'population' holds 1 value(s) out of range",
        {"cities.csv": CITIES_HEADER + "1,Almaty,KAZ,1e400,76.9,43.2\n"},
    ),
    Case(
        "layer-integer-overflows-int64",
        "an integer beyond 64 bits",
        ("layers", "validate", "cities={tmp}/cities.csv"),
        "for example '99999999999999999999999' (rows 1)",
        {"cities.csv": CITIES_HEADER + "1,Almaty,KAZ,99999999999999999999999,76.9,43.2\n"},
    ),
    Case(
        "layer-duplicate-ids-plain",
        "duplicate ids are printed as plain numbers",
        ("layers", "validate", "cities={tmp}/cities.csv"),
        "(for example 1880252)",
        {"cities.csv": CITIES_HEADER + "1880252,A,KAZ,1,76.9,43.2\n1880252,B,KAZ,2,70,45\n"},
    ),
    Case(
        "layer-derived-id-collision",
        "rows without city_id that share name, country and position",
        ("layers", "validate", "cities={tmp}/cities.csv"),
        "the city_id derived for 2 rows repeat (rows 1, 3)",
        {"cities.csv": "name,iso3,population,lon,lat\nAlmaty,KAZ,1,76.9,43.2\n"
         "Astana,KAZ,1,71.4,51.1\nAlmaty,KAZ,1,76.90001,43.2\n"},
    ),
    Case(
        "layer-unrepairable-geometry",
        "a polygon that make_valid cannot repair, in data row 2",
        ("layers", "validate", "countries={tmp}/countries.geojson"),
        "1 invalid geometry could not be repaired (rows 2)",
        {"countries.geojson": json.dumps({
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature",
                 "properties": {"iso3": "DEU", "name": "A", "continent": "Europe",
                                "region_un": "Europe", "subregion": "Western Europe"},
                 "geometry": {"type": "Polygon",
                              "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}},
                {"type": "Feature",
                 "properties": {"iso3": "FRA", "name": "B", "continent": "Europe",
                                "region_un": "Europe", "subregion": "Western Europe"},
                 "geometry": {"type": "Polygon",
                              "coordinates": [[[0, 0], [0, 0], [0, 0], [0, 0]]]}},
            ],
        })},
    ),
    # ------------------------------------------------------------------ output folders
    Case(
        "out-force-on-a-foreign-folder",
        "--force on a folder that planner did not write",
        ("run", "--out", "{tmp}/my_documents", "--force"),
        "not a run folder planner wrote",
        {"my_documents/thesis.txt": "four years of work\n"},
    ),
    Case(
        "out-force-on-a-fake-run-json",
        "--force on a folder whose run.json is not planner's",
        ("run", "--out", "{tmp}/my_documents", "--force"),
        "not a run folder planner wrote",
        {"my_documents/run.json": '{"name": "my run"}', "my_documents/notes.txt": "x"},
    ),
    Case(
        "out-exists",
        "an existing non-empty folder without --force",
        ("run", "--out", "{tmp}/old"),
        "already exists. Pass --force",
        {"old/run.json": _run_record()},
    ),
    Case(
        "out-current-folder",
        "the current (empty) folder",
        ("run", "--out", "."),
        "is the current folder",
        {"here/": ""},
        cwd="here",
    ),
    Case(
        "out-parent-of-current-folder",
        "a folder that holds the current one",
        ("run", "--out", "..", "--force"),
        "holds the current one",
        {"here/": ""},
        cwd="here",
    ),
    Case(
        "out-home-folder",
        "the home folder",
        ("run", "--out", "{tmp}/home", "--force"),
        "is your home folder",
        {"home/": ""},
        home="home",
    ),
    Case(
        "out-root-folder",
        "the root of the file system",
        ("run", "--out", "/", "--force"),
        "replaces a run folder whole",
    ),
    Case(
        "out-is-a-file",
        "--out naming a file",
        ("run", "--out", "{tmp}/notes.txt"),
        "notes.txt' is a file",
        {"notes.txt": "x"},
    ),
    Case(
        "out-under-a-file",
        "--out inside a path whose parent is a file",
        ("run", "--out", "{tmp}/notes.txt/run"),
        "notes.txt' is a file, not a folder",
        {"notes.txt": "x"},
    ),
    Case(
        "out-unwritable",
        "--out where nothing can be written (a read-only file system)",
        ("run", "--out", "/proc/planner-run"),
        "cannot be written",
        skip=_not_root_or_no_proc,
    ),
    # ------------------------------------------------------------------ run folders read back
    Case(
        "run-json-marker-only",
        "map on a run.json that holds only the marker",
        ("map", "{tmp}/run"),
        "'scenario' is missing\n  - 'status' is missing",
        _run_folder('{"planner_run": 1}'),
    ),
    Case(
        "run-json-no-status",
        "map on a run.json without status",
        ("map", "{tmp}/run"),
        "run.json' is not a complete run record (1 problem(s)):\n  - 'status' is missing",
        _run_folder(_run_record(status=_DROP)),
    ),
    Case(
        "run-json-scenario-is-text",
        "brief on a run.json whose scenario is a string",
        ("brief", "{tmp}/run", "--no-pdf"),
        "'scenario' must be the run's scenario as an object",
        _run_folder(_run_record(scenario="zhejiang")),
    ),
    Case(
        "run-json-scenario-invalid",
        "map on a run.json whose scenario is not a valid scenario",
        ("map", "{tmp}/run"),
        "the field 'scenario' is not a valid scenario",
        _run_folder(_run_record(scenario={"name": "x"})),
    ),
    Case(
        "run-json-wrong-types",
        "map on a run.json whose fields have wrong types",
        ("map", "{tmp}/run"),
        "'centres[0].city_id' has a wrong value 'one'",
        _run_folder(_run_record(centres=[{"city_id": "one", "name": "A"}], gap="small")),
    ),
    Case(
        "run-json-not-json",
        "map on a run.json that is not JSON",
        ("map", "{tmp}/run"),
        "is not valid JSON",
        _run_folder("{planner_run: 1"),
    ),
    Case(
        "run-empty-candidates-csv",
        "map on a run folder with an empty candidates.csv",
        ("map", "{tmp}/run"),
        "candidates.csv' is empty",
        _run_folder(_run_record(), candidates=""),
    ),
    Case(
        "run-empty-plan-csv-compare",
        "compare with an empty plan.csv",
        ("compare", "{tmp}/run", "{tmp}/run"),
        "plan.csv' is empty",
        _run_folder(_run_record(), plan=""),
    ),
    Case(
        "run-plan-csv-lacks-columns",
        "map on a plan.csv without its columns",
        ("map", "{tmp}/run"),
        "plan.csv' lacks the column(s) lon, lat",
        _run_folder(_run_record(), plan="city_id,name\n1,Almaty\n"),
    ),
)


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        out[str(path.relative_to(folder))] = path.read_bytes() if path.is_file() else None
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_ends_cleanly(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if case.skip is not None and (reason := case.skip()):
        pytest.skip(reason)
    for name, content in case.files.items():
        path = tmp_path / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if case.cwd is not None:
        monkeypatch.chdir(tmp_path / case.cwd)
    if case.home is not None:
        monkeypatch.setenv("HOME", str(tmp_path / case.home))
        monkeypatch.setenv("USERPROFILE", str(tmp_path / case.home))
    before = _snapshot(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, (case.description, result.output)
    assert isinstance(result.exception, SystemExit), (case.description, result.exception)
    assert "Traceback" not in result.output
    assert "Error: " in result.output
    assert case.message in result.output, (case.description, result.output)
    assert _snapshot(tmp_path) == before, f"{case.description}: files were written or deleted"


def test_every_case_is_described_and_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert all(c.description and c.message for c in CASES)


def test_out_unwritable_by_permissions(tmp_path: Path):
    if sys.platform == "win32" or os.geteuid() == 0:
        pytest.skip("permissions do not bind the superuser (the /proc case covers it)")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = CliRunner().invoke(main, ["run", "--out", str(locked / "run")])
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 1
    assert "cannot be written" in result.output
    assert not (locked / "run").exists()
