"""Run folders: writing one whole (staged, then swapped in) and reading one back.

A run folder is what ``planner run`` leaves behind: ``map.html``, the brief, the plan as
data and ``run.json``. This module owns every step of its life: where it goes
(:func:`default_out_dir`), what may be replaced (:func:`check_out_dir`), the staging
folder and the two-rename swap (:func:`write_run`), what an interrupted run left behind
(:func:`recover_run_folder`), the record of inputs and versions (:func:`run_record`,
:func:`layer_fingerprints`) and the way back from a folder to the view the outputs draw
(:func:`view_from_run`, :func:`redraw_map`, :func:`redraw_brief`).

It is a module of its own rather than part of :mod:`planner._run`: ``_run`` holds the
neutral :class:`planner._run.RunView` that maps and briefs import, and must stay light;
this module calls the writers of maps, briefs and data and knows the file system rules.
:mod:`planner.pipeline` only puts the stages in order and hands the result here.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import importlib.metadata
import json
import logging
import math
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from planner import i18n
from planner._errors import OutputError, PlannerError
from planner._io import write_text
from planner._paths import geodata_path
from planner._run import RunView, _points, context_layers, read_run_record, read_run_table
from planner.layers import LayerSet, list_layers
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.pipeline import Prepared, Progress

log = logging.getLogger(__name__)


def default_out_dir(scenario: Scenario) -> Path:
    """``[outputs] folder`` of the scenario, else ``maps/<scenario name>``."""
    return Path(scenario.outputs.folder or Path("maps") / scenario.name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def layer_fingerprints(layers: LayerSet) -> dict[str, str]:
    """What each layer was read from: ``sha256:<hex>`` of its files, or a package version.

    User files and the curated files of ``geodata/`` are hashed; layers from PyPI
    packages are identified by the package's installed version.
    """
    out: dict[str, str] = {}
    for spec in list_layers():
        if spec.name in layers.overrides:
            out[spec.name] = f"sha256:{_sha256(layers.overrides[spec.name])}"
            continue
        parts = []
        for item in spec.default.split(" + "):
            item = item.strip()
            if item.startswith("geodata/"):
                parts.append(
                    f"{item} sha256:{_sha256(geodata_path(item.removeprefix('geodata/')))}"
                )
            elif item.startswith("PyPI package "):
                package = item.removeprefix("PyPI package ").split()[0]
                try:
                    parts.append(f"{package}=={importlib.metadata.version(package)}")
                except importlib.metadata.PackageNotFoundError:
                    parts.append(f"{package} (version unknown)")
            else:
                parts.append(item)
        out[spec.name] = " + ".join(parts)
    return out


_VERSIONED = (
    "planner",
    "pulp",
    "ortools",
    "highspy",
    "numpy",
    "pandas",
    "scipy",
    "geopandas",
    "shapely",
    "pyproj",
    "folium",
    "jinja2",
)


def package_versions() -> dict[str, str]:
    """Installed versions of planner, the solvers and the geospatial stack."""
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _finite_or_none(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def run_record(
    prepared: Prepared, plan: Any, view: RunView, timings_s: Mapping[str, float]
) -> dict[str, Any]:
    """The content of ``run.json``: scenario, inputs, versions, solver result, timings.

    It also keeps what ``planner map`` and ``planner brief`` need to redraw the outputs
    from the folder: criterion weights, industries and their centres, layer overrides
    and the data notes.
    """
    from planner.criteria import reason_parts_from_json

    table = plan.constraints
    constraints = [
        {
            "name": str(row["constraint"]),
            "description": str(row["description"]),
            "limit": _finite_or_none(prepared.scenario.constraints.get(row["constraint"])),
            "slack": _finite_or_none(row["slack"]),
            "active": bool(row["active"]),
            "binds": bool(row["binding"]),
            "value": _finite_or_none(row.get("value")),
            "value_text": str(row.get("value_text", "") or ""),
            "objective_gain": _finite_or_none(row.get("objective_gain")),
            "objective_gain_low": _finite_or_none(row.get("objective_gain_low")),
            "objective_gain_high": _finite_or_none(row.get("objective_gain_high")),
        }
        for _, row in table.iterrows()
    ]
    centres = plan.centres
    return {
        "planner_run": 1,
        "scenario": prepared.scenario.to_dict(),
        "layers": layer_fingerprints(prepared.layers),
        "versions": package_versions(),
        "status": plan.status,
        "objective": _finite_or_none(plan.objective),
        "bound": _finite_or_none(plan.bound),
        "gap": _finite_or_none(plan.gap),
        "backend": plan.backend,
        "solve_time_s": round(float(plan.solve_time_s), 3),
        "message": plan.message,
        "conflicts": list(plan.conflicts),
        "must_relax": list(plan.must_relax),
        "centres": [
            {
                "city_id": int(r["city_id"]),
                "name": str(r["name"]),
                "iso3": str(r["iso3"]),
                **{k: str(r[k]) for k in ("kind", "kind_name") if k in r},
                **({"industry_reasons": str(r["industry_reasons"])}
                   if "industry_reasons" in r else {}),
                **({"industry_reason_parts": reason_parts_from_json(r["industry_reason_parts"])}
                   if "industry_reason_parts" in r else {}),
            }
            for r in centres.to_dict("records")
        ],
        "kinds": _kinds_record(prepared.scenario, centres),
        "constraints": constraints,
        "existing": [
            {
                "name": str(r["name"]),
                "name_published": str(r["name_published"]),
                "iso3": str(r["iso3"]),
                "city": None if pd.isna(r["city"]) else str(r["city"]),
                "located": str(r["located"]),
                "lon": _finite_or_none(r["lon"]),
                "lat": _finite_or_none(r["lat"]),
                "sponsor": None if pd.isna(r["sponsor"]) else str(r["sponsor"]),
                "stage": str(r["stage"]),
                "industries": list(r["industries"]),
            }
            for r in (view.existing.to_dict("records") if view.existing is not None else [])
        ],
        "candidates": len(prepared.scores.frame),
        "industry_fit_vs_innovation": _fit_independence_record(prepared.scores),
        "weights": {str(k): float(v) for k, v in prepared.scores.weights.items()},
        "industries": [
            {
                "industry_id": str(r["industry_id"]),
                "name": str(r["name"]),
                "weight": float(r["weight"]),
                "centres": list(r["centres"]),
            }
            for r in view.industries.to_dict("records")
        ],
        "layer_overrides": {k: str(v) for k, v in prepared.layers.overrides.items()},
        "robustness_runs": int(view.robustness_runs),
        "robustness_same_plan": _finite_or_none(view.robustness_same_plan),
        "warnings": list(view.warnings),
        "excluded": view.excluded.to_dict("records"),
        "low_confidence_share": _finite_or_none(view.low_confidence_share),
        "timings_s": {k: round(float(v), 3) for k, v in timings_s.items()},
    }



def _fit_independence_record(scores: Any) -> list[dict[str, Any]]:
    """Per industry (and the weighted mean fit, ``industry_fit``): the Pearson and Spearman
    correlation of its fit with the innovation-strength criterion across the candidates,
    and how many candidates have a zone of the home province as evidence for it."""
    from planner.criteria import fit_independence

    table = fit_independence(scores, criterion="innovation_index")
    return [
        {
            "industry_id": str(r["industry_id"]),
            "pearson": _finite_or_none(r["pearson"]),
            "spearman": _finite_or_none(r["spearman"]),
            "candidates": int(r["n"]),
            "zone_evidence": int(r["zone_evidence"]),
        }
        for r in table.to_dict("records")
    ]


def _kinds_record(scenario: Scenario, centres: pd.DataFrame) -> list[dict[str, Any]]:
    """The scenario's kinds of centre for run.json: rules, count and the centres chosen."""
    from planner._inputs import plan_constraints

    out = []
    for kind in plan_constraints(scenario).kinds:
        chosen = centres.loc[centres["kind"] == kind.id] if "kind" in centres else centres[:0]
        out.append(
            {
                "id": kind.id,
                "name": kind.label,
                "min": kind.min_centres,
                "max": kind.max_centres,
                "eligible": kind.rules(),
                "industries": list(kind.industries),
                "weights": dict(kind.weights),
                "centres": [str(n) for n in chosen["name"]],
            }
        )
    return out


def is_run_folder(folder: str | Path) -> bool:
    """True when ``folder`` holds a ``run.json`` that ``planner run`` wrote.

    Planner's ``run.json`` is a JSON object whose ``planner_run`` key is 1; no other
    folder is one, whatever files it holds.
    """
    path = Path(folder) / "run.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(record, dict) and record.get("planner_run") == 1


def _first_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _writable(folder: Path) -> bool:
    """Whether a folder can be made in ``folder`` (tried: permissions alone do not tell
    for the superuser or a read-only file system)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        probe = tempfile.mkdtemp(prefix=".planner-probe-", dir=folder)
    except OSError:
        return False
    os.rmdir(probe)
    return True


def check_out_dir(target: str | Path, *, force: bool) -> Path:
    """Refuse, before any work, a run folder that planner must not write or replace.

    Refused: the current folder, a folder that holds it, the file-system root and the
    home folder (a run folder is replaced whole); a path that is a file or lies under a
    file; a place the user cannot write; an existing non-empty folder without
    ``force``; and, even with ``force``, a non-empty folder that is not a run folder
    planner wrote (:func:`is_run_folder`). An existing empty folder is used.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    OutputError
        Naming the folder, why it is refused and what to do instead.
    """
    target = Path(target)
    resolved = target.expanduser().resolve()
    cwd = Path.cwd().resolve()
    shown = str(target)
    if resolved == cwd or resolved in cwd.parents:
        what = "the current folder" if resolved == cwd else "a folder that holds the current one"
        msg = (
            f"The run folder {shown!r} is {what}; planner replaces a run folder whole, so it "
            "writes only into a folder of its own. Pass --out with a new folder, for example "
            "--out runs/zhejiang."
        )
        raise OutputError(msg)
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        what = "the root folder" if resolved == Path(resolved.anchor) else "your home folder"
        msg = (
            f"The run folder {shown!r} is {what}; planner replaces a run folder whole. Pass "
            "--out with a new folder, for example --out runs/zhejiang."
        )
        raise OutputError(msg)
    if target.exists() and not target.is_dir():
        msg = f"The run folder {shown!r} is a file; choose another --out."
        raise OutputError(msg)
    base = _first_existing(target.parent)
    if not base.is_dir():
        msg = (
            f"The run folder {shown!r} cannot be made: {str(base)!r} is a file, not a folder. "
            "Choose another --out."
        )
        raise OutputError(msg)
    if not _writable(base):
        msg = (
            f"The run folder {shown!r} cannot be written: you may not write in "
            f"{str(base)!r}. Choose another --out."
        )
        raise OutputError(msg)
    if target.is_dir():
        try:
            entries = sorted(p.name for p in target.iterdir())
        except OSError as exc:
            msg = f"Cannot read the run folder {shown!r}: {exc.strerror or exc}."
            raise OutputError(msg) from None
        if entries and not force:
            msg = (
                f"The run folder {shown!r} already exists. Pass --force to replace it, "
                "or --out DIR to write elsewhere."
            )
            raise OutputError(msg)
        if entries and not is_run_folder(target):
            listing = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            msg = (
                f"The folder {shown!r} is not a run folder planner wrote (it has no planner "
                f"run.json) and holds files ({listing}); --force replaces only a run folder "
                "planner wrote. Nothing was changed. Choose a new or empty folder with --out."
            )
            raise OutputError(msg)
    return target


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (False on Windows, where signal 0 would stop it)."""
    if pid == os.getpid():
        return True
    if os.name == "nt" or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _leftover_pid(path: Path, tag: str) -> int | None:
    digits = path.name.rpartition(f".{tag}-")[2].split("-")[0]
    return int(digits) if digits.isdigit() else None


def recover_run_folder(target: str | Path) -> list[str]:
    """Put right what an interrupted run left beside ``target``, and say what was done.

    A run swaps its new folder in with two renames: the old run folder becomes
    ``.NAME.old-PID``, then the staging folder ``.NAME.partial-PID-*`` becomes ``NAME``.
    A process killed between them leaves the old run hidden: when ``NAME`` is absent it
    is restored; when ``NAME`` is present the hidden old run is removed. Staging folders
    left behind are removed. Leftovers of a process that still runs are left alone, and
    a hidden folder that is not a planner run folder is never touched.

    Returns
    -------
    list of str
        One sentence per action, also logged as a warning.
    """
    target = Path(target)
    parent = target.parent
    notes: list[str] = []
    if not parent.is_dir():
        return notes
    name = target.name
    for path in sorted(parent.glob(f".{glob.escape(name)}.old-*")):
        pid = _leftover_pid(path, "old")
        if not path.is_dir() or (pid is not None and _pid_alive(pid)) or not is_run_folder(path):
            continue
        if not target.exists():
            os.replace(path, target)
            notes.append(
                f"Restored the run folder {str(target)!r} from {path.name}, which an "
                "interrupted run left hidden."
            )
        else:
            shutil.rmtree(path, ignore_errors=True)
            notes.append(f"Removed {str(path)!r}, an old run an interrupted run left behind.")
    for path in sorted(parent.glob(f".{glob.escape(name)}.partial-*")):
        pid = _leftover_pid(path, "partial")
        if not path.is_dir() or (pid is not None and _pid_alive(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        notes.append(f"Removed {str(path)!r}, the unfinished output of an interrupted run.")
    for note in notes:
        log.warning("%s", note)
    return notes


@contextlib.contextmanager
def _staged_folder(target: Path, *, force: bool) -> Iterator[Path]:
    """Yield an empty staging folder that replaces ``target`` whole when the block succeeds.

    Nothing is half-written: a failure or an interrupt (Ctrl-C included) leaves
    ``target`` as it was. The swap is two renames (old run aside, new run in); an
    interrupt between them moves the old run back, and a process killed there leaves
    ``.NAME.old-PID`` that :func:`recover_run_folder` restores on the next run.
    """
    check_out_dir(target, force=force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent)
        )
    except OSError as exc:
        msg = f"Cannot create the run folder {str(target)!r}: {exc.strerror or exc}."
        raise OutputError(msg) from None
    try:
        yield staging
        _swap_in(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging``; on any failure or interrupt ``target`` stays."""
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    try:
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
    except BaseException as exc:
        if old.exists() and not target.exists():
            os.replace(old, target)
        if isinstance(exc, OSError):
            msg = f"Cannot replace the run folder {str(target)!r}: {exc.strerror or exc}."
            raise OutputError(msg) from None
        raise
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def write_run(
    folder: Path,
    view: RunView,
    record: Mapping[str, Any],
    *,
    top_n: int,
    force: bool = False,
    progress: Progress | None = None,
    languages: str | Sequence[str] | None = None,
) -> tuple[Path, ...]:
    """Write a whole run folder atomically: map, brief, plan as data and ``run.json``.

    ``languages`` (English when None) are the brief's languages; ``run.json`` records
    them (``languages``) and the files written in each (``outputs``)."""
    from planner.briefs import save_brief
    from planner.export import plain_columns, save_plan_data
    from planner.maps import save_map

    say = progress or (lambda _msg: None)
    names: list[str] = []
    languages = i18n.parse_languages(languages)
    per_language: dict[str, list[str]] = {}
    with _staged_folder(folder, force=force) as tmp:
        for lang in languages:
            say("drawing the map" + ("" if lang == "en" else f" ({lang})"))
            written = [
                save_map(
                    view,
                    tmp / i18n.output_name("map.html", lang),
                    top_n=top_n,
                    robustness=view.robustness is not None,
                    lang=lang,
                ).name
            ]
            say("writing the strategy brief" + ("" if lang == "en" else f" ({lang})"))
            written += [p.name for p in save_brief(view, tmp, pdf="auto", lang=lang)]
            per_language[lang] = written
            names += [n for n in written if n not in names]
        say("writing the plan as data")
        allocation = pd.DataFrame(
            {
                "industry_id": [
                    i
                    for i, cs in zip(view.industries["industry_id"], view.industries["centres"])
                    for _ in cs
                ],
                "industry": [
                    n
                    for n, cs in zip(view.industries["name"], view.industries["centres"])
                    for _ in cs
                ],
                "centre": [c for cs in view.industries["centres"] for c in cs],
            }
        )
        by_name = dict(zip(view.centres["name"], view.centres["city_id"]))
        allocation["city_id"] = allocation["centre"].map(by_name)
        names += [
            p.name
            for p in save_plan_data(
                tmp,
                centres=_plan_columns(view.centres),
                allocations=allocation,
                candidates=view.candidates,
            )
        ]
        if view.existing is not None and len(view.existing):
            existing = plain_columns(view.existing)
            names.append(
                write_text(
                    tmp / "existing.csv",
                    existing.drop(columns=existing.geometry.name).to_csv(
                        index=False, lineterminator="\n"
                    ),
                ).name
            )
        if view.backtest is not None:
            names.append(
                write_text(
                    tmp / "backtest.csv",
                    view.backtest.centres.to_csv(
                        index=False, lineterminator="\n", float_format="%.6g"
                    ),
                ).name
            )
        if view.robustness is not None:
            names.append(
                write_text(
                    tmp / "robustness.csv",
                    plain_columns(view.robustness).to_csv(index=False, lineterminator="\n"),
                ).name
            )
        record = {**record, "languages": list(languages), "outputs": per_language}
        text = json.dumps(record, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        names.append(write_text(tmp / "run.json", text).name)
    return tuple(folder / n for n in names)


def _plan_columns(centres: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The centres as the plan files show them: identity, score, industries, access."""
    first = [
        "rank",
        "city_id",
        "name",
        "iso3",
        "country",
        "lon",
        "lat",
        "score_total",
        "industries",
        "fit_value",
    ]
    rest = [c for c in centres.columns if c not in first and c != "geometry"]
    return gpd.GeoDataFrame(
        centres[[c for c in first if c in centres] + rest],
        geometry=centres.geometry,
        crs="EPSG:4326",
    )


def view_from_run(folder: str | Path) -> RunView:
    """Rebuild the :class:`RunView` of a finished run folder (for ``planner map/brief``)."""
    from planner._inputs import plan_constraints
    from planner.criteria import catalogue_frame
    from planner.scenario import scenario_from_mapping

    folder = Path(folder)
    record = read_run_record(folder)
    data = dict(record["scenario"])
    path = data.pop("path", None)
    data = _drop_empty(data)
    try:
        scenario = scenario_from_mapping(data, path=Path(path) if isinstance(path, str) else None)
    except PlannerError as exc:
        msg = (
            f"{str(folder / 'run.json')!r}: the field 'scenario' is not a valid scenario "
            f"({exc}); run `planner run` again to rewrite the folder."
        )
        raise OutputError(msg) from None
    layers = LayerSet(record.get("layer_overrides", {}))
    points = ("city_id", "name", "lon", "lat")
    candidates = _required_table(folder, "candidates.csv", columns=points)
    centres = _required_table(folder, "plan.csv", columns=points)
    if "industries" not in centres.columns:
        centres["industries"] = ""
    centres["industries"] = centres["industries"].map(
        lambda text: [] if pd.isna(text) or text == "" else str(text).split("; ")
    )
    weights = pd.Series(record.get("weights", {}), dtype=float)
    criteria = catalogue_frame()
    criteria = criteria[criteria["id"].isin(weights.index)].copy()
    criteria["weight"] = criteria["id"].map(weights).astype(float)
    industries = pd.DataFrame(
        record.get("industries", []), columns=["industry_id", "name", "weight", "centres"]
    )
    constraints = pd.DataFrame(
        [
            {
                "name": c.get("description", c["name"]),
                "constraint": c["name"],
                "limit": _nan(c.get("limit")),
                "value": _nan(c.get("value")),
                "plan": str(c.get("value_text") or ""),
                "slack": _nan(c.get("slack")),
                "binds": bool(c.get("binds", False)),
            }
            for c in record.get("constraints", [])
        ],
        columns=["name", "constraint", "limit", "value", "plan", "slack", "binds"],
    )
    context = context_layers(layers)
    sources = pd.DataFrame(
        [
            {"layer": s.name, "source": s.source, "year": s.year, "licence": s.licence}
            for s in list_layers()
        ]
    )
    robustness = read_run_table(folder, "robustness.csv", columns=("city_id",), required=False)
    existing = read_run_table(
        folder, "existing.csv", columns=("name", "iso3", "lon", "lat", "industries"),
        required=False,
    )
    if existing is not None:
        existing["industries"] = existing["industries"].map(
            lambda text: [] if pd.isna(text) else str(text).split("; ")
        )
        geometry = [
            None if pd.isna(x) or pd.isna(y) else shapely.Point(x, y)
            for x, y in zip(existing["lon"], existing["lat"])
        ]
        existing = gpd.GeoDataFrame(existing, geometry=geometry, crs="EPSG:4326")
    png = b""
    if robustness is not None and (folder / "robustness.png").is_file():
        png = (folder / "robustness.png").read_bytes()
    return RunView(
        scenario_name=scenario.name,
        province=scenario.province,
        title=scenario.title,
        origins=scenario.origins,
        status=str(record["status"]),
        objective=_nan(record.get("objective")),
        bound=_nan(record.get("bound")),
        gap=_nan(record.get("gap")),
        backend=str(record.get("backend", "")),
        solve_time_s=_nan(record.get("solve_time_s")),
        centres=_points(centres),
        candidates=_points(candidates),
        criteria=criteria.reset_index(drop=True),
        industries=industries,
        constraints=constraints,
        layers=context,
        sources=sources,
        warnings=tuple(record.get("warnings", [])),
        timings_s=dict(record.get("timings_s", {})),
        robustness=robustness,
        robustness_runs=int(record.get("robustness_runs", 0)),
        robustness_same_plan=_nan(record.get("robustness_same_plan")),
        robustness_png=png,
        plan_constraints=plan_constraints(scenario),
        existing=existing,
        excluded=pd.DataFrame(
            record.get("excluded", []),
            columns=["rule", "iso3", "country", "reason", "n_cities", "reason_zh", "wgi", "floor"],
        ),
        low_confidence_share=_nan(record.get("low_confidence_share")),
    )


def _required_table(folder: Path, name: str, *, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = read_run_table(folder, name, columns=columns)
    if frame is None:  # pragma: no cover - read_run_table raises for a required file
        msg = f"The run folder {str(folder)!r} has no {name}."
        raise OutputError(msg)
    return frame


def _drop_empty(value: Any) -> Any:
    """Drop empty and null entries, which TOML cannot hold, from a scenario record."""
    if isinstance(value, dict):
        kept = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, "", None)}
    return value


def _nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def redraw_map(
    folder: str | Path, *, top_n: int = 200, tiles: str | None = None, lang: str = "en"
) -> Path:
    """Draw the map again from a finished run folder: ``map.html`` in English, else the
    language's own file (``map.zh.html``, :func:`planner.i18n.output_name`), so the other
    languages' maps are left as they are."""
    from planner import i18n
    from planner.maps import save_map

    (lang,) = i18n.parse_languages(lang, where="lang")[:1]
    view = view_from_run(folder)
    return save_map(
        view,
        Path(folder) / i18n.output_name("map.html", lang),
        top_n=top_n,
        tiles=tiles,
        robustness=view.robustness is not None,
        lang=lang,
    )


def redraw_brief(
    folder: str | Path, *, pdf: bool | str = "auto", lang: str | Sequence[str] | None = None
) -> tuple[Path, ...]:
    """Write the brief again from a finished run folder, in each of ``lang`` (English
    when None; ``"zh,en"`` for both)."""
    from planner.briefs import save_brief

    languages = i18n.parse_languages(lang)
    view = view_from_run(folder)
    written: list[Path] = []
    for code in languages:
        written += [
            p
            for p in save_brief(view, Path(folder), pdf=pdf, lang=code)  # type: ignore[arg-type]
            if p not in written
        ]
    return tuple(written)
