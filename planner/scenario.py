"""Planning scenarios: ``models/*.toml`` read into a frozen :class:`Scenario`.

A scenario is a province's planning question: where it starts from (origins), which
cities may host a centre (candidate filter), its home industries and their weights, how
candidates are scored (criteria), what the plan must respect (constraints), how it is
solved, which layers replace the defaults, and where outputs go.

The ``[criteria]``, ``[constraints]`` and ``[network]`` tables are interpreted by the
stage that uses them; each stage exposes a validator that this module calls, so an
unknown key or a bad value is reported when the scenario is read, not halfway through
a run.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from planner._errors import ScenarioError
from planner._paths import models_dir

__all__ = [
    "COUNTRY_GROUPS",
    "Candidates",
    "Origin",
    "Outputs",
    "Scenario",
    "Solver",
    "default_scenario_path",
    "read_scenario",
    "scenario_from_mapping",
]

OriginRole = Literal["rail", "port", "airport", "city"]
Backend = Literal["cbc", "highs", "cpsat", "scip"]
_ROLES: tuple[str, ...] = ("rail", "port", "airport", "city")
_BACKENDS: tuple[str, ...] = ("cbc", "highs", "cpsat", "scip")

#: Country groups a scenario may name instead of ISO3 codes.
COUNTRY_GROUPS: dict[str, str] = {
    "all": "every country",
    "belt_and_road": "countries with a Belt and Road cooperation document (not withdrawn)",
    "st_agreement": "countries with an intergovernmental S&T cooperation agreement with China",
    "Africa": "Natural Earth continent",
    "Asia": "Natural Earth continent",
    "Europe": "Natural Earth continent",
    "North America": "Natural Earth continent",
    "South America": "Natural Earth continent",
    "Oceania": "Natural Earth continent",
}

# Stage validators for the free-form sub-tables: (module, function). A stage that is not
# in the package yet is skipped; once it is, its validator runs on every scenario read.
_SUBTABLE_VALIDATORS: dict[str, tuple[str, str]] = {
    "criteria": ("planner.criteria", "criteria_settings_from_mapping"),
    "constraints": ("planner.optimise", "plan_constraints_from_mapping"),
    "network": ("planner.network", "network_params_from_mapping"),
    "analysis": ("planner.analysis", "analysis_settings_from_mapping"),
}


@dataclass(frozen=True)
class Origin:
    """A node of the home province that journeys start from.

    Parameters
    ----------
    name
        Place name.
    role
        ``"rail"`` (rail freight hub), ``"port"`` (sea port), ``"airport"`` or ``"city"``.
    lon, lat
        Coordinates in degrees (EPSG:4326).
    """

    name: str
    role: OriginRole
    lon: float
    lat: float


@dataclass(frozen=True)
class Candidates:
    """Which cities may host a centre.

    Parameters
    ----------
    min_population
        Smallest city population, in people.
    countries
        ISO3 codes and country groups (:data:`COUNTRY_GROUPS`) to draw candidates from.
    exclude_countries
        ISO3 codes and groups never to consider (the home country, for example).
    capitals_only
        Consider national capitals only.
    merge_within_km
        A candidate within this many km of a more populous candidate of its country is
        folded into it (a section or satellite of one city; see
        :func:`planner.layers.merge_satellites`); 0 keeps every GeoNames row.
    """

    min_population: int = 300_000
    countries: tuple[str, ...] = ("all",)
    exclude_countries: tuple[str, ...] = ()
    capitals_only: bool = False
    merge_within_km: float = 15.0


@dataclass(frozen=True)
class Solver:
    """Solver settings.

    Parameters
    ----------
    backend
        ``"cbc"`` or ``"highs"`` (through PuLP), ``"cpsat"`` or ``"scip"`` (OR-Tools).
    time_limit_s
        Wall-clock limit in seconds; ``None`` for none.
    gap
        Relative optimality gap at which to stop (0 proves optimality).
    """

    backend: Backend = "cbc"
    time_limit_s: float | None = 60.0
    gap: float = 0.0


@dataclass(frozen=True)
class Outputs:
    """Where and what to write.

    Parameters
    ----------
    folder
        Run folder, relative to the working directory; empty for ``maps/<name>``.
    map_top_n
        Candidate cities shown on the map (the best N by score); 0 shows all, clustered.
    """

    folder: str = ""
    map_top_n: int = 200


@dataclass(frozen=True)
class Scenario:
    """A province's planning question, as read from a scenario file.

    ``criteria``, ``constraints``, ``network`` and ``analysis`` hold the tables as
    written; the stages that use them interpret them (and validated them when the
    scenario was read).
    ``layers`` maps layer names to user files, already resolved against the scenario's
    folder.
    """

    name: str
    province: str
    title: str = ""
    home_country: str = "CHN"
    origins: tuple[Origin, ...] = ()
    candidates: Candidates = field(default_factory=Candidates)
    industries: Mapping[str, float] = field(default_factory=dict)
    criteria: Mapping[str, Any] = field(default_factory=dict)
    constraints: Mapping[str, Any] = field(default_factory=dict)
    solver: Solver = field(default_factory=Solver)
    network: Mapping[str, Any] = field(default_factory=dict)
    analysis: Mapping[str, Any] = field(default_factory=dict)
    layers: Mapping[str, Path] = field(default_factory=dict)
    outputs: Outputs = field(default_factory=Outputs)
    path: Path | None = None

    def origin(self, role: OriginRole) -> Origin:
        """The first origin with ``role``."""
        for origin in self.origins:
            if origin.role == role:
                return origin
        msg = f"Scenario {self.name!r} has no origin with role {role!r}; add one under [[origins]]."
        raise ScenarioError(msg)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (paths as strings)."""
        data = asdict(self)
        data["layers"] = {k: str(v) for k, v in self.layers.items()}
        data["path"] = str(self.path) if self.path else None
        return json.loads(json.dumps(data, default=_plain))


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    msg = f"cannot serialise {value!r}"
    raise TypeError(msg)


def default_scenario_path() -> Path:
    """The embedded default scenario, ``models/zhejiang.toml``."""
    return models_dir() / "zhejiang.toml"


def read_scenario(path: str | Path | None = None) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path
        A TOML file, or the name of a scenario in ``models/`` (``"zhejiang"``);
        ``None`` reads the embedded default.

    Raises
    ------
    ScenarioError
        Naming the key, the value received and what is allowed.
    """
    resolved = _resolve_path(path)
    try:
        data = tomllib.loads(resolved.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"Scenario {str(resolved)!r} is not valid TOML: {exc}."
        raise ScenarioError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"Cannot read scenario {str(resolved)!r}: {exc}."
        raise ScenarioError(msg) from None
    return scenario_from_mapping(data, path=resolved)


def _resolve_path(path: str | Path | None) -> Path:
    if path is None:
        return default_scenario_path()
    candidate = Path(path)
    if candidate.is_file():
        return candidate
    named = models_dir() / f"{path}.toml"
    if candidate.suffix == "" and named.is_file():
        return named
    known = sorted(p.stem for p in models_dir().glob("*.toml"))
    msg = (
        f"Scenario {str(path)!r} does not exist. Give the path of a TOML file or the name of "
        f"an embedded scenario ({', '.join(known) or 'none'})."
    )
    raise ScenarioError(msg)


_TOP_KEYS = {
    "name": "text",
    "title": "text",
    "province": "text",
    "home_country": "ISO3 code",
    "origins": "array of tables",
    "candidates": "table",
    "industries": "table",
    "criteria": "table",
    "constraints": "table",
    "solver": "table",
    "network": "table",
    "analysis": "table",
    "layers": "table",
    "outputs": "table",
}


def scenario_from_mapping(data: Mapping[str, Any], *, path: Path | None = None) -> Scenario:
    """Build a :class:`Scenario` from parsed TOML, checking every key and value.

    Raises
    ------
    ScenarioError
        Naming the key, the value received and what is allowed.
    """
    where = f"Scenario {str(path)!r}" if path else "Scenario"
    _check_keys(data, _TOP_KEYS, where, "")
    name = _text(data, "name", where, required=True)
    province = _text(data, "province", where, required=True)
    home = _text(data, "home_country", where) or "CHN"
    _check_iso3([home], where, "home_country")
    origins = tuple(_origin(item, where, i) for i, item in enumerate(_list(data, "origins", where)))
    if not origins:
        msg = f"{where}: [[origins]] is empty; give at least the rail hub, port and airport."
        raise ScenarioError(msg)
    base = path.parent if path else Path.cwd()
    scenario = Scenario(
        name=name,
        title=_text(data, "title", where) or f"{province} overseas innovation centres",
        province=province,
        home_country=home,
        origins=origins,
        candidates=_candidates(_table(data, "candidates", where), where),
        industries=_industries(_table(data, "industries", where), where),
        criteria=_table(data, "criteria", where),
        constraints=_table(data, "constraints", where),
        solver=_solver(_table(data, "solver", where), where),
        network=_table(data, "network", where),
        analysis=_table(data, "analysis", where),
        layers=_layers(_table(data, "layers", where), where, base),
        outputs=_outputs(_table(data, "outputs", where), where),
        path=path,
    )
    for key, (module, function) in _SUBTABLE_VALIDATORS.items():
        if importlib.util.find_spec(module) is None:
            continue
        validator = getattr(importlib.import_module(module), function, None)
        if validator is None:
            continue
        try:
            validator(getattr(scenario, key))
        except ScenarioError as exc:
            msg = f"{where}, [{key}]: {exc}"
            raise ScenarioError(msg) from None
    return scenario


def _check_keys(table: Mapping[str, Any], allowed: Mapping[str, str], where: str, prefix: str):
    if not isinstance(table, Mapping):
        msg = f"{where}: {prefix.rstrip('.') or 'the file'} must be a table, got {table!r}."
        raise ScenarioError(msg)
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" Did you mean {prefix + close[0]!r}?" if close else ""
            msg = (
                f"{where}: unknown key {prefix + key!r}.{hint} Allowed: "
                f"{', '.join(prefix + k for k in allowed)}."
            )
            raise ScenarioError(msg)


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = table.get(key)
    if value is None:
        if required:
            msg = f"{where}: {key!r} is required (text)."
            raise ScenarioError(msg)
        return ""
    if not isinstance(value, str) or not value.strip():
        msg = f"{where}: {key!r} must be non-empty text, got {value!r}."
        raise ScenarioError(msg)
    return value.strip()


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        msg = f"{where}: [{key}] must be a table, got {value!r}."
        raise ScenarioError(msg)
    return dict(value)


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        msg = f"{where}: {key!r} must be an array ([[{key}]] tables), got {value!r}."
        raise ScenarioError(msg)
    return value


def _number(
    value: Any,
    where: str,
    key: str,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
) -> float:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        kind = "an integer" if integer else "a number"
        msg = f"{where}: {key!r} must be {kind}, got {value!r}."
        raise ScenarioError(msg)
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        msg = f"{where}: {key!r} must be {span}, got {value!r}."
        raise ScenarioError(msg)
    return value


def _origin(item: Any, where: str, index: int) -> Origin:
    label = f"origins[{index}]"
    allowed = {"name": "text", "role": "rail|port|airport|city", "lon": "deg", "lat": "deg"}
    _check_keys(item, allowed, where, f"{label}.")
    for key in allowed:
        if key not in item:
            msg = f"{where}: {label} needs {key!r} ({allowed[key]})."
            raise ScenarioError(msg)
    role = item["role"]
    if role not in _ROLES:
        msg = f"{where}: {label}.role must be one of {', '.join(_ROLES)}, got {role!r}."
        raise ScenarioError(msg)
    lon = _number(item["lon"], where, f"{label}.lon", low=-180, high=180)
    lat = _number(item["lat"], where, f"{label}.lat", low=-90, high=90)
    return Origin(name=_text(item, "name", where, required=True), role=role, lon=lon, lat=lat)


def _codes(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = f"{where}: {key!r} must be a list of ISO3 codes or group names, got {value!r}."
        raise ScenarioError(msg)
    _check_iso3([v for v in value if v not in COUNTRY_GROUPS], where, key)
    return tuple(value)


def _check_iso3(codes: list[str], where: str, key: str) -> None:
    from planner.layers import iso3_codes

    known = iso3_codes()
    for code in codes:
        if code not in known:
            close = difflib.get_close_matches(code.upper(), sorted(known), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            msg = (
                f"{where}: {key!r} names an unknown country {code!r}.{hint} Use ISO 3166 "
                f"alpha-3 codes (for example 'DEU') or a group: {', '.join(COUNTRY_GROUPS)}."
            )
            raise ScenarioError(msg)


def _candidates(table: dict[str, Any], where: str) -> Candidates:
    allowed = {
        "min_population": "people",
        "countries": "ISO3 codes or groups",
        "exclude_countries": "ISO3 codes or groups",
        "capitals_only": "true/false",
        "merge_within_km": "km",
    }
    _check_keys(table, allowed, where, "candidates.")
    out = Candidates()
    if "min_population" in table:
        out = _replace(
            out,
            min_population=int(
                _number(
                    table["min_population"], where, "candidates.min_population", low=0, integer=True
                )
            ),
        )
    if "countries" in table:
        out = _replace(out, countries=_codes(table["countries"], where, "candidates.countries"))
    if "exclude_countries" in table:
        codes = _codes(table["exclude_countries"], where, "candidates.exclude_countries")
        out = _replace(out, exclude_countries=codes)
    if "capitals_only" in table:
        value = table["capitals_only"]
        if not isinstance(value, bool):
            msg = f"{where}: 'candidates.capitals_only' must be true or false, got {value!r}."
            raise ScenarioError(msg)
        out = _replace(out, capitals_only=value)
    if "merge_within_km" in table:
        value = _number(table["merge_within_km"], where, "candidates.merge_within_km", low=0)
        if not math.isfinite(value):
            msg = f"{where}: 'candidates.merge_within_km' must be a finite number, got {value!r}."
            raise ScenarioError(msg)
        out = _replace(out, merge_within_km=float(value))
    return out


def _replace(obj: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **changes)


def _industries(table: dict[str, Any], where: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in table.items():
        out[key] = float(_number(value, where, f"industries.{key}", low=0))
    if table and sum(out.values()) <= 0:
        msg = f"{where}: [industries] weights sum to 0; give at least one positive weight."
        raise ScenarioError(msg)
    return out


def _solver(table: dict[str, Any], where: str) -> Solver:
    allowed = {"backend": "|".join(_BACKENDS), "time_limit_s": "seconds", "gap": "0..1"}
    _check_keys(table, allowed, where, "solver.")
    out = Solver()
    if "backend" in table:
        backend = table["backend"]
        if backend not in _BACKENDS:
            msg = (
                f"{where}: 'solver.backend' must be one of {', '.join(_BACKENDS)}, got {backend!r}."
            )
            raise ScenarioError(msg)
        out = _replace(out, backend=backend)
    if "time_limit_s" in table:
        limit = _number(table["time_limit_s"], where, "solver.time_limit_s", low=0)
        out = _replace(out, time_limit_s=float(limit) if limit > 0 else None)
    if "gap" in table:
        out = _replace(out, gap=float(_number(table["gap"], where, "solver.gap", low=0, high=1)))
    return out


def _layers(table: dict[str, Any], where: str, base: Path) -> dict[str, Path]:
    from planner.layers import list_layers

    names = {spec.name: spec for spec in list_layers()}
    out: dict[str, Path] = {}
    for key, value in table.items():
        if key not in names:
            close = difflib.get_close_matches(key, list(names), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            msg = (
                f"{where}: [layers] names an unknown layer {key!r}.{hint} "
                f"Known: {', '.join(names)}."
            )
            raise ScenarioError(msg)
        if not names[key].user_file:
            msg = f"{where}: [layers] {key!r} is built from {names[key].default} and takes no file."
            raise ScenarioError(msg)
        if not isinstance(value, str) or not value:
            msg = f"{where}: layers.{key} must be a file path (text), got {value!r}."
            raise ScenarioError(msg)
        path = Path(value).expanduser()
        out[key] = path if path.is_absolute() else (base / path)
    return out


def _outputs(table: dict[str, Any], where: str) -> Outputs:
    allowed = {"folder": "path", "map_top_n": "number of candidates on the map (0 = all)"}
    _check_keys(table, allowed, where, "outputs.")
    out = Outputs()
    if "folder" in table:
        out = _replace(out, folder=_text(table, "folder", where))
    if "map_top_n" in table:
        top = _number(table["map_top_n"], where, "outputs.map_top_n", low=0, integer=True)
        out = _replace(out, map_top_n=int(top))
    return out


def format_scenario(scenario: Scenario) -> str:
    """The resolved scenario as TOML text (defaults filled in, paths resolved)."""
    data = scenario.to_dict()
    source = data.pop("path")
    lines = [f"# resolved from {source}" if source else "# resolved scenario"]
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, items in arrays:
        for item in items:
            lines += ["", f"[[{key}]]"] + [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    for key, table in tables:
        lines += _toml_table(key, table)
    return "\n".join(lines) + "\n"


def _toml_table(name: str, table: Mapping[str, Any]) -> list[str]:
    lines = ["", f"[{name}]"]
    nested = []
    for key, value in table.items():
        if isinstance(value, Mapping):
            nested.append((f"{name}.{_toml_key(key)}", value))
        elif value is not None and value != "":
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for sub, value in nested:
        lines += _toml_table(sub, value)
    return lines


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if value is None:
        return '""'
    return json.dumps(str(value))
