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

from planner import i18n
from planner._errors import ScenarioError
from planner._paths import models_dir

__all__ = [
    "COUNTRY_GROUPS",
    "EXISTING_STAGES",
    "Candidates",
    "Existing",
    "Origin",
    "Outputs",
    "Scenario",
    "Solver",
    "check_scenario",
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
    screens
        Host-country screens to apply (:data:`planner.criteria.SCREENS`): every country the
        ``host_screens`` layer lists under one of them is excluded, and the brief names it
        with its reason.
    exclude_low_confidence
        Exclude candidates marked low-confidence by the criteria stage (more than
        ``[criteria] low_confidence_share`` of their weight on unobserved values).
    merge_within_km
        A candidate within this many km of a more populous candidate of its country is
        folded into it (a section or satellite of one city; see
        :func:`planner.layers.merge_satellites`); 0 keeps every GeoNames row.
    """

    min_population: int = 300_000
    countries: tuple[str, ...] = ("all",)
    exclude_countries: tuple[str, ...] = ()
    capitals_only: bool = False
    screens: tuple[str, ...] = ()
    exclude_low_confidence: bool = False
    merge_within_km: float = 15.0


#: Stages of an existing centre (column ``stage`` of the ``existing_centres`` layer).
EXISTING_STAGES: tuple[str, ...] = ("open", "planned", "agreement")


@dataclass(frozen=True)
class Existing:
    """The centres the province already runs, which the plan takes as open.

    Chosen from the ``existing_centres`` layer, or from ``file`` when given; the rows of
    ``sponsor_province`` and the rows ``names`` names are taken together. With ``file``
    and neither selector, every row of the file is taken.

    Parameters
    ----------
    sponsor_province
        Provinces whose centres to take (the layer's ``sponsor_province``, any case).
    names
        Centres to take by ``centre_id``, ``name`` or ``name_en``; named centres are taken
        whatever their stage.
    file
        A file of the user's own centres, in any layer format (GeoJSON, GeoPackage, ...,
        or a CSV with ``lon``/``lat`` or with ``city`` and ``iso3``), resolved against the
        scenario's folder.
    stages
        Stages taken by ``sponsor_province`` (and from a file without selectors):
        ``"open"`` (the default), ``"planned"``, ``"agreement"``.
    """

    sponsor_province: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    file: Path | None = None
    stages: tuple[str, ...] = ("open",)

    @property
    def enabled(self) -> bool:
        """Whether the scenario takes any existing centre."""
        return bool(self.sponsor_province or self.names or self.file)


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
    lang
        Languages of the map and the brief (``"zh"`` or ``["zh", "en"]``; English by
        default); files other than English carry the code (``brief.zh.md``).
    """

    folder: str = ""
    map_top_n: int = 200
    lang: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class Scenario:
    """A province's planning question, as read from a scenario file.

    ``criteria``, ``constraints``, ``network`` and ``analysis`` hold the tables as
    written; the stages that use them interpret them (and validated them when the
    scenario was read).
    ``layers`` maps layer names to user files, already resolved against the scenario's
    folder. ``existing`` chooses the centres the province already runs (``[existing]``).
    ``kinds`` holds the ``[[kinds]]`` tables (kinds of centre) as written, validated by
    :func:`planner.optimise.centre_kinds_from_list`.
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
    existing: Existing = field(default_factory=Existing)
    kinds: tuple[Mapping[str, Any], ...] = ()

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
        data["existing"]["file"] = str(self.existing.file) if self.existing.file else None
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
        # utf-8-sig: editors on Windows start the file with a byte-order mark
        data = tomllib.loads(resolved.read_text(encoding="utf-8-sig"))
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
    if candidate.is_dir():
        tomls = sorted(p.name for p in candidate.glob("*.toml"))[:5]
        hint = f" (the folder holds {', '.join(tomls)})" if tomls else ""
        msg = (
            f"Scenario {str(path)!r} is a folder, not a file. Give the path of a scenario "
            f"TOML file{hint}."
        )
        raise ScenarioError(msg)
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
    "existing": "table",
    "kinds": "array of tables (kinds of centre)",
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
    from planner.criteria._weights_file import resolve_weights_file

    scenario = Scenario(
        name=name,
        title=_text(data, "title", where) or f"{province} overseas innovation centres",
        province=province,
        home_country=home,
        origins=origins,
        candidates=_candidates(_table(data, "candidates", where), where),
        industries=_industries(_table(data, "industries", where), where),
        criteria=resolve_weights_file(_table(data, "criteria", where), base, where),
        constraints=_table(data, "constraints", where),
        solver=_solver(_table(data, "solver", where), where),
        network=_table(data, "network", where),
        analysis=_table(data, "analysis", where),
        layers=_layers(_table(data, "layers", where), where, base),
        outputs=_outputs(_table(data, "outputs", where), where),
        path=path,
        existing=_existing(_table(data, "existing", where), where, base),
        kinds=tuple(_list(data, "kinds", where)),
    )
    if scenario.kinds and importlib.util.find_spec("planner.optimise") is not None:
        from planner.optimise import centre_kinds_from_list

        try:
            centre_kinds_from_list(scenario.kinds)
        except ScenarioError as exc:
            msg = f"{where}, [[kinds]]: {exc}"
            raise ScenarioError(msg) from None
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


def check_scenario(
    scenario: Scenario, *, layers: Mapping[str, Any] | None = None, candidates: bool = True
) -> Scenario:
    """Check what a run would reject about ``scenario`` itself, before any work.

    Reading a scenario checks each table on its own; this also checks the scenario
    against what it names and the data it draws on, as the stages will: the files of
    its ``[layers]`` table (read and validated), the criterion weights (not all zero,
    AHP matrices consistent), the ``[industries]`` against the industries layer, and
    (with ``candidates``) that its ``[candidates]`` filter keeps at least one city.

    Parameters
    ----------
    layers
        The run's layer set (a :class:`planner.layers.LayerSet`); by default the
        scenario's ``[layers]`` over the defaults.
    candidates
        Also select the candidate cities (about a second with the default layers).

    Returns
    -------
    Scenario
        ``scenario``, unchanged.

    Raises
    ------
    PlannerError
        A :class:`ScenarioError` naming the table and the key, or the
        :class:`planner.LayerError` of a layer file the scenario names.
    """
    from planner._errors import PlannerError
    from planner.layers import LayerSet, read_candidates

    where = f"Scenario {str(scenario.path)!r}" if scenario.path else "Scenario"
    if layers is None:
        layers = LayerSet(scenario.layers)
    for name in scenario.layers:
        layers[name]  # read and validated; raises LayerError naming the file
    try:
        _check_weights(scenario.criteria)
    except PlannerError as exc:
        msg = f"{where}, [criteria]: {exc}"
        raise ScenarioError(msg) from None
    if scenario.industries:
        table = layers["industries"] if "industries" in set(iter(layers)) else None
        known = [] if table is None else [str(i) for i in table["industry_id"]]
        unknown = [i for i in scenario.industries if i not in known]
        if unknown:
            close = difflib.get_close_matches(unknown[0], known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            msg = (
                f"{where}, [industries]: {', '.join(map(repr, unknown))} "
                f"{'is not an industry' if len(unknown) == 1 else 'are not industries'} of "
                f"the industries layer.{hint} Known industries: {', '.join(known) or 'none'}."
            )
            raise ScenarioError(msg)
    if candidates:
        try:
            kept = read_candidates(layers, scenario.candidates)
        except PlannerError as exc:
            msg = f"{where}, [candidates]: {exc}"
            raise ScenarioError(msg) from None
        check_candidates(scenario, kept, source=_cities_source(layers))
    return scenario


def check_candidates(scenario: Scenario, candidates: Any, *, source: str = "") -> None:
    """Raise :class:`ScenarioError` when the ``[candidates]`` filter kept no city.

    ``source`` names where the cities came from (a user's file), for the message.
    """
    if len(candidates):
        return
    where = f"Scenario {str(scenario.path)!r}" if scenario.path else "Scenario"
    c = scenario.candidates
    msg = (
        f"{where}, [candidates]: no city {f'of {source} ' if source else ''}passes the "
        f"filter (min_population = "
        f"{c.min_population:,}, countries = {list(c.countries)!r}, exclude_countries = "
        f"{list(c.exclude_countries)!r}, capitals_only = {str(c.capitals_only).lower()}). "
        "Lower min_population or widen countries."
    )
    raise ScenarioError(msg)


def _cities_source(layers: Any) -> str:
    overrides = getattr(layers, "overrides", {})
    return str(overrides["cities"]) if "cities" in overrides else ""


def _check_weights(table: Mapping[str, Any]) -> None:
    """The criterion weights the scoring stage would compute from ``[criteria]``, checked.

    Weights learned from the data (entropy, CRITIC) are checked only for their groups.
    """
    from planner.criteria import (
        ahp_weights,
        combine_weights,
        criteria_settings_from_mapping,
    )

    settings = criteria_settings_from_mapping(table)
    used = settings.criteria
    groups = {c.id: c.group for c in used}
    group_weights: dict[str, float] | None = None
    if settings.group_weights is not None:
        group_weights = dict(settings.group_weights)
    elif settings.group_ahp is not None:
        res = ahp_weights(settings.group_ahp.matrix, settings.group_ahp.items)
        group_weights = dict(zip(res.items, res.weights.tolist(), strict=True))
    base = {c.id: float(c.weight) for c in used}
    if settings.weighting == "ahp" and settings.ahp is not None:
        res = ahp_weights(settings.ahp.matrix, settings.ahp.items)
        base.update(zip(res.items, res.weights.tolist(), strict=True))
    elif settings.weighting in ("entropy", "critic"):
        base = dict.fromkeys(base, 1.0)
    if group_weights is None and not any(base.values()):
        msg = (
            "every criterion weight is 0 (criteria.weights); give at least one criterion "
            "a weight > 0."
        )
        raise ScenarioError(msg)
    combine_weights(base, groups, group_weights)


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
        "screens": "host-country screens (un_sanctions_st, no_diplomatic_relations)",
        "exclude_low_confidence": "true/false",
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
    if "screens" in table:
        out = _replace(out, screens=_screens(table["screens"], where))
    if "exclude_low_confidence" in table:
        value = table["exclude_low_confidence"]
        if not isinstance(value, bool):
            msg = (
                f"{where}: 'candidates.exclude_low_confidence' must be true or false, got "
                f"{value!r}."
            )
            raise ScenarioError(msg)
        out = _replace(out, exclude_low_confidence=value)
    if "merge_within_km" in table:
        value = _number(table["merge_within_km"], where, "candidates.merge_within_km", low=0)
        if not math.isfinite(value):
            msg = f"{where}: 'candidates.merge_within_km' must be a finite number, got {value!r}."
            raise ScenarioError(msg)
        out = _replace(out, merge_within_km=float(value))
    return out


def _screens(value: Any, where: str) -> tuple[str, ...]:
    from planner.criteria import SCREENS

    allowed = ", ".join(f"{k!r} ({v})" for k, v in SCREENS.items())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = f"{where}: 'candidates.screens' must be a list of screen names, got {value!r}."
        raise ScenarioError(msg)
    for name in value:
        if name not in SCREENS:
            close = difflib.get_close_matches(name, list(SCREENS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            msg = (
                f"{where}: 'candidates.screens' names an unknown screen {name!r}.{hint} "
                f"Allowed: {allowed}."
            )
            raise ScenarioError(msg)
    return tuple(dict.fromkeys(value))


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
    allowed = {
        "folder": "path",
        "map_top_n": "number of candidates on the map (0 = all)",
        "lang": "languages of the map and brief, e.g. \"zh\" or [\"zh\", \"en\"]",
    }
    _check_keys(table, allowed, where, "outputs.")
    out = Outputs()
    if "folder" in table:
        out = _replace(out, folder=_text(table, "folder", where))
    if "map_top_n" in table:
        top = _number(table["map_top_n"], where, "outputs.map_top_n", low=0, integer=True)
        out = _replace(out, map_top_n=int(top))
    if "lang" in table:
        value = table["lang"]
        if not isinstance(value, str | list):
            msg = f"{where}: outputs.lang must be a language code or a list of them, got {value!r}."
            raise ScenarioError(msg)
        out = _replace(out, lang=i18n.parse_languages(value, where=f"{where}: outputs.lang"))
    return out


def _texts(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        msg = f"{where}: {key!r} must be a text or a list of texts, got {value!r}."
        raise ScenarioError(msg)
    return tuple(v.strip() for v in value)


def _existing(table: dict[str, Any], where: str, base: Path) -> Existing:
    allowed = {
        "sponsor_province": "province name(s), e.g. \"Zhejiang\"",
        "names": "list of centre ids or names",
        "file": "path of a layer file",
        "stages": "list of " + "|".join(EXISTING_STAGES),
    }
    _check_keys(table, allowed, where, "existing.")
    out = Existing()
    if "sponsor_province" in table:
        provinces = _texts(table["sponsor_province"], where, "existing.sponsor_province")
        out = _replace(out, sponsor_province=provinces)
    if "names" in table:
        out = _replace(out, names=_texts(table["names"], where, "existing.names"))
    if "file" in table:
        value = table["file"]
        if not isinstance(value, str) or not value.strip():
            msg = f"{where}: 'existing.file' must be a file path (text), got {value!r}."
            raise ScenarioError(msg)
        path = Path(value).expanduser()
        out = _replace(out, file=path if path.is_absolute() else base / path)
    if "stages" in table:
        stages = _texts(table["stages"], where, "existing.stages")
        bad = [s for s in stages if s not in EXISTING_STAGES]
        if bad or not stages:
            msg = (
                f"{where}: 'existing.stages' = {table['stages']!r} must list stages among "
                f"{', '.join(EXISTING_STAGES)}."
            )
            raise ScenarioError(msg)
        out = _replace(out, stages=stages)
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
