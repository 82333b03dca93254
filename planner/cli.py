"""The ``planner`` command line: one command per stage, and ``planner run`` for all.

Commands hold no logic: each calls one library function. Library errors
(:class:`planner.PlannerError`) become ``Error: ...`` on stderr with exit code 1, in one
place (:class:`_Group`).
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from planner import __version__
from planner._errors import PlannerError

CONTEXT = {"help_option_names": ["-h", "--help"]}


class _Group(click.Group):
    """A click group that turns library errors into clean ``Error:`` messages.

    Every error exits with code 1: library errors, and bad command-line input that
    click itself reports (which would otherwise exit with 2).
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as exc:
            exc.show()
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlannerError as exc:
            raise click.ClickException(_plain_text(str(exc))) from None
        except KeyboardInterrupt:
            raise click.Abort() from None


# numpy scalars as repr() shows them (np.int64(1880252), np.str_('DEU')); messages are
# built with planner._errors.plain, and this last pass keeps any that slip through plain.
_NUMPY_REPR = re.compile(r"\bnp\.(?:u?int\d*|float\d*|bool_?|str_|complex\d*)\(([^()]*)\)")


def _plain_text(message: str) -> str:
    """``message`` with numpy scalar reprs written as plain values."""
    message = re.sub(r"\bnp\.(True|False)_\b", r"\1", message)
    return _NUMPY_REPR.sub(r"\1", message)


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    if verbose == 0 and not quiet:
        level = logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)

    def show(message, category, filename, lineno, file=None, line=None):
        click.echo(f"Warning: {message}", err=True)

    warnings.showwarning = show


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="planner")
@click.option("-v", "--verbose", count=True, help="Log what each stage produced (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and warnings.")
def main(verbose: int, quiet: bool) -> None:
    """Plan a province's overseas innovation centres along the Belt and Road.

    Loads the layers, scores candidate cities on accessibility, innovation, talent,
    industry fit, risk and cost, chooses where to open centres and which home
    industries each serves, and writes maps, briefs and the plan as data.

    Example: planner run
    """
    _setup_logging(verbose, quiet)


# ---------------------------------------------------------------------------------------
# Shared options


def scenario_argument(func: Callable[..., Any]) -> Callable[..., Any]:
    """``[SCENARIO]``: a TOML file or an embedded scenario name; the default is Zhejiang."""
    return click.argument("scenario", required=False, metavar="[SCENARIO]")(func)


def new_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--new N``: the number of centres to add beside the existing ones."""
    return click.option(
        "--new",
        type=click.IntRange(min=1),
        metavar="N",
        help="Number of new centres to add beside the province's existing ones (the "
        "scenario's [existing] table), instead of the scenario's n_centres or n_new.",
    )(func)


def layer_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--layer NAME=PATH``, repeatable."""

    @click.option(
        "--layer",
        "layer_items",
        multiple=True,
        metavar="NAME=PATH",
        help="Replace a layer with your own file (any format GDAL reads, or CSV with "
        "lon/lat). Repeatable.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, layer_items: tuple[str, ...], **kwargs: Any) -> Any:
        from planner.layers import parse_layer_overrides

        return func(*args, overrides=parse_layer_overrides(layer_items), **kwargs)

    return wrapper


def format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


def backend_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--backend",
        type=click.Choice(["cbc", "highs", "cpsat", "scip"]),
        help="Solver (default: the scenario's [solver] backend).",
    )(func)


def time_limit_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--time-limit",
        type=click.FloatRange(min=0, min_open=True),
        metavar="S",
        help="Solver time limit in seconds (default: the scenario's).",
    )(func)


# ---------------------------------------------------------------------------------------
# run


@main.command()
@scenario_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder (default: maps/<scenario>).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing run folder that planner wrote (one with planner's run.json); "
    "any other non-empty folder is refused.",
)
@backend_option
@time_limit_option
@click.option(
    "--draws",
    type=click.IntRange(min=0),
    help="Weight-sensitivity draws behind the brief's robustness figures (default: 200; "
    "0 skips the sweep, and the brief says robustness was not measured).",
)
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the draws.")
@click.option("--workers", type=click.IntRange(min=1), help="Local processes for the draws.")
@new_option
@click.option(
    "--backtest",
    "backtest_actual",
    is_flag=True,
    help="Also backtest the method on the centres already opened: backtest.csv and a "
    "brief section.",
)
@layer_option
@click.option(
    "--lang",
    help="Languages of the brief: en (default), zh, or several such as zh,en (files other "
    "than English carry the code: brief.zh.md). Default: the scenario's [outputs] lang.",
)
def run(
    scenario: str | None,
    out: Path | None,
    force: bool,
    backend: str | None,
    time_limit: float | None,
    draws: int | None,
    seed: int | None,
    workers: int | None,
    new: int | None,
    backtest_actual: bool,
    overrides: dict[str, Path],
    lang: str | None,
) -> None:
    """Run every stage on a scenario (default: the embedded Zhejiang scenario).

    Loads the layers, measures accessibility, scores the candidates, chooses the
    centres, re-solves the plan under 200 random changes of the criteria weights (the
    robustness the brief reports; --draws 0 skips it) and writes the run folder:
    map.html, brief.md/.html (.pdf with the pdf extra), plan.geojson, plan.csv,
    plan.gpkg, candidates.csv, robustness.csv/.png and run.json.

    Example: planner run models/zhejiang.toml --out runs/zhejiang --force
    """
    from planner.i18n import parse_languages
    from planner.pipeline import run as run_pipeline
    from planner.scenario import read_scenario

    languages = None if lang is None else parse_languages(lang)  # refused before any work
    sc = read_scenario(scenario)
    click.echo(f"Scenario {sc.name}: {sc.title}", err=True)
    result = run_pipeline(
        sc,
        overrides=overrides,
        out=out,
        force=force,
        backend=backend,
        time_limit_s=time_limit,
        draws=draws,
        seed=seed,
        workers=workers,
        progress=lambda m: click.echo(f"  {m} ...", err=True),
        n_new=new,
        backtest_actual=backtest_actual,
        lang=languages,
    )
    plan = result.plan
    click.echo(f"Candidates scored: {result.candidates:,}")
    click.echo(f"Solver: {plan.status_line()}")
    if len(plan.centres):
        click.echo(
            "Centres: "
            + ", ".join(f"{n} ({i})" for n, i in zip(plan.centres["name"], plan.centres["iso3"]))
        )
    total = sum(result.timings_s.values())
    click.echo(f"Wrote {len(result.files)} files to {result.out_dir}/ in {total:.1f} s:")
    for path in result.files:
        click.echo(f"  {path}")
    if not len(plan.centres):
        msg = f"No plan: {plan.message} The brief in {result.out_dir}/ says the same."
        raise click.ClickException(msg)


@main.command()
@scenario_argument
@backend_option
@time_limit_option
@click.option(
    "--centres",
    type=click.IntRange(min=1),
    help="Number of centres in all, existing centres included.",
)
@new_option
@layer_option
def optimise(
    scenario: str | None,
    backend: str | None,
    time_limit: float | None,
    centres: int | None,
    new: int | None,
    overrides: dict[str, Path],
) -> None:
    """Choose the centres and allocate the home industries; print the plan.

    Prints the centres, the industries each serves, the constraints that bind and the
    solver's status line (status, objective, bound, gap). Exits with code 1 when no
    plan meets every constraint, naming the constraints that conflict.

    Example: planner optimise --backend highs --centres 6 --time-limit 30
    """
    from planner.optimise import format_plan, raise_if_infeasible
    from planner.pipeline import optimise as optimise_plan
    from planner.pipeline import prepare
    from planner.scenario import read_scenario

    prepared = prepare(read_scenario(scenario), overrides=overrides, until="criteria")
    plan = optimise_plan(
        prepared, backend=backend, time_limit_s=time_limit, n_centres=centres, n_new=new
    )
    raise_if_infeasible(plan)
    click.echo(format_plan(plan))


@main.command("map")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--top-n",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="Candidate cities to show, best first (0: all, clustered).",
)
@click.option("--tiles", help="A Leaflet tile layer name or URL (default: none, offline).")
@click.option(
    "--lang",
    default="en",
    show_default=True,
    help="Language(s) of the map, comma-separated: en, zh. English writes map.html, "
    "Chinese map.zh.html.",
)
def map_(run_dir: Path, top_n: int, tiles: str | None, lang: str) -> None:
    """Draw map.html again from a finished run folder.

    Example: planner map maps/zhejiang --top-n 0 --lang zh,en
    """
    from planner.i18n import parse_languages
    from planner.runfolder import redraw_map

    for code in parse_languages(lang):
        click.echo(str(redraw_map(run_dir, top_n=top_n, tiles=tiles, lang=code)))


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--pdf/--no-pdf",
    default=None,
    help="Write brief.pdf (needs the pdf extra); default: when installed.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    help="Languages of the brief: en, zh, or several such as zh,en (brief.zh.md ...).",
)
def brief(run_dir: Path, pdf: bool | None, lang: str) -> None:
    """Write the strategy brief again from a finished run folder.

    Example: planner brief maps/zhejiang --pdf --lang zh
    """
    from planner.i18n import parse_languages
    from planner.runfolder import redraw_brief

    languages = parse_languages(lang)  # refused before anything is read or written
    for path in redraw_brief(run_dir, pdf="auto" if pdf is None else pdf, lang=languages):
        click.echo(str(path))


# ---------------------------------------------------------------------------------------
# stages


@main.command()
@scenario_argument
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="CITY",
    help="Show the legs of the rail, sea and air routes to this city. Repeatable.",
)
@format_option("table", "csv", "geojson")
@layer_option
def access(scenario: str | None, to: tuple[str, ...], fmt: str, overrides: dict[str, Path]) -> None:
    """Travel times and distances from the home province to every candidate city.

    Rail freight from the rail hub, sea freight from the port, air travel from the
    airport over the nonstop routes of OpenFlights 2014 (with the connections a trip
    needs), and the distance to the nearest corridor, rail-line node city,
    cooperation zone and port. With --to, the legs of each route: for air, the
    airports and the connection airports.

    Example: planner access --to Madrid --to Budapest
    """
    from planner import accessibility
    from planner.pipeline import prepare
    from planner.scenario import read_scenario

    sc = read_scenario(scenario)
    if to:
        if fmt == "geojson":
            raise click.UsageError("--to prints route legs as a table or CSV, not GeoJSON.")
        prepared = prepare(sc, overrides=overrides, until="layers")
        legs = accessibility.route_legs(
            prepared.candidates, prepared.layers, to=to, origins=sc.origins, params=sc.network
        )
        text = accessibility.format_legs(legs, fmt=fmt)
    else:
        prepared = prepare(sc, overrides=overrides, until="accessibility")
        text = accessibility.format_accessibility(
            prepared.access, fmt=fmt, candidates=prepared.candidates
        )
    click.echo(text, nl=not text.endswith("\n"))


@main.command()
@format_option("table", "markdown", "csv")
def criteria(fmt: str) -> None:
    """The criteria catalogue: group, measure, direction, normalisation, weight, source.

    Example: planner criteria --format markdown
    """
    from planner.criteria import format_catalogue

    text = format_catalogue(fmt=fmt)
    click.echo(text, nl=not text.endswith("\n"))


@main.command()
@scenario_argument
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Candidates to show, best first (0: all).",
)
@format_option("table", "csv", "geojson")
@layer_option
def score(scenario: str | None, top: int, fmt: str, overrides: dict[str, Path]) -> None:
    """Score and rank the candidate cities on every criterion.

    Shows rank, city, country, score, and the three criteria that lift each city most
    and hold it back most, with the counts of the filters and missing values.

    Example: planner score --top 10
    """
    from planner.criteria import format_scores
    from planner.pipeline import prepare
    from planner.scenario import read_scenario

    prepared = prepare(read_scenario(scenario), overrides=overrides, until="criteria")
    text = format_scores(prepared.scores, top=top or None, fmt=fmt)
    click.echo(text, nl=not text.endswith("\n"))


@main.command()
@scenario_argument
@click.option(
    "--draws", type=click.IntRange(min=1), help="Weight draws (default: [analysis] or 1000)."
)
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (default: [analysis] or 0).")
@click.option(
    "--concentration",
    type=click.FloatRange(min=0, min_open=True),
    help="Dirichlet concentration K: weights ~ Dirichlet(K x scenario weights) (default 100).",
)
@click.option(
    "--spread",
    type=click.FloatRange(min=0, max=1),
    help="Plus-or-minus range instead: each weight times a uniform factor in [1-P, 1+P].",
)
@click.option("--workers", type=click.IntRange(min=1), help="Local worker processes.")
@click.option("--scheduler", metavar="ADDRESS", help="Run the draws on a Dask scheduler.")
@backend_option
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Candidates to show (0: all).",
)
@format_option("table", "csv")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a PNG chart of how often each city is chosen.",
)
@layer_option
def sensitivity(
    scenario: str | None,
    draws: int | None,
    seed: int | None,
    concentration: float | None,
    spread: float | None,
    workers: int | None,
    scheduler: str | None,
    backend: str | None,
    top: int,
    fmt: str,
    chart: Path | None,
    overrides: dict[str, Path],
) -> None:
    """How often each city is chosen when the criteria weights move.

    Draws weights around the scenario's, re-scores and re-optimises each draw, and
    reports each candidate's share of draws that chose it, its rank interval, and how
    stable the industry allocation is. Seeded: the same seed gives the same result
    whatever the number of workers or the scheduler.

    Example: planner sensitivity --draws 200 --spread 0.2 --workers 2
    """
    from planner.analysis import (
        analysis_settings_from_mapping,
        format_sensitivity,
        save_robustness_chart,
    )
    from planner.analysis import sensitivity as run_sensitivity
    from planner.pipeline import prepare
    from planner.scenario import read_scenario

    if concentration is not None and spread is not None:
        raise click.UsageError("Give --concentration or --spread, not both.")
    sc = read_scenario(scenario)
    settings = analysis_settings_from_mapping(sc.analysis)
    if concentration is None and spread is None:
        concentration, spread = settings.concentration, settings.spread
    prepared = prepare(sc, overrides=overrides, until="criteria")
    result = run_sensitivity(
        prepared,
        draws=draws or settings.draws,
        seed=settings.seed if seed is None else seed,
        concentration=concentration,
        spread=spread,
        backend=backend,
        workers=workers or settings.workers,
        scheduler=scheduler or settings.scheduler,
        chunk=settings.chunk,
    )
    text = format_sensitivity(result, fmt=fmt, top=top or None)
    click.echo(text, nl=not text.endswith("\n"))
    if chart is not None:
        click.echo(f"chart: {save_robustness_chart(result, chart)}", err=True)


@main.command()
@scenario_argument
@click.option(
    "--objectives",
    default="suitability,cost",
    show_default=True,
    help="suitability,cost or suitability,cost,risk.",
)
@click.option(
    "--points",
    type=click.IntRange(min=2),
    default=10,
    show_default=True,
    help="Grid points per minimised objective.",
)
@backend_option
@format_option("table", "csv")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the front as a PNG chart.",
)
@layer_option
def pareto(
    scenario: str | None,
    objectives: str,
    points: int,
    backend: str | None,
    fmt: str,
    chart: Path | None,
    overrides: dict[str, Path],
) -> None:
    """The efficient front of suitability against cost (and risk), with the plan at each point.

    Solved by the epsilon-constraint method: the best suitability with cost (and risk)
    held under each value of a grid. With kinds of centre, each point's centres are
    listed by kind, with the count of each kind.

    Example: planner pareto --objectives suitability,cost,risk --points 5 --chart front.png
    """
    from planner.analysis import format_pareto, save_pareto_chart
    from planner.analysis import pareto as run_pareto
    from planner.pipeline import prepare
    from planner.scenario import read_scenario

    prepared = prepare(read_scenario(scenario), overrides=overrides, until="criteria")
    front = run_pareto(prepared, objectives=objectives, points=points, backend=backend)
    text = format_pareto(front, fmt=fmt)
    click.echo(text, nl=not text.endswith("\n"))
    if chart is not None:
        click.echo(f"chart: {save_pareto_chart(front, chart)}", err=True)


@main.command()
@click.argument("run_a", type=click.Path(file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(file_okay=False, path_type=Path))
def compare(run_a: Path, run_b: Path) -> None:
    """What changed between two run folders.

    Centres in and out (with their kind of centre, when the runs have kinds, and a kept
    city that changed kind), score and cost differences, industries that moved, and the
    constraints that bind in one run and not the other.

    Example: planner compare maps/zhejiang runs/zhejiang-6-centres
    """
    from planner.analysis import compare_runs, format_comparison

    text = format_comparison(compare_runs(run_a, run_b))
    click.echo(text, nl=not text.endswith("\n"))


def actual_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--actual``, ``--sponsor`` and ``--radius-km`` of backtest and calibrate."""
    func = click.option(
        "--radius-km",
        type=click.FloatRange(min=0, min_open=True),
        default=100.0,
        show_default=True,
        help="A centre is matched to the nearest candidate city within this distance, and "
        "the plan hits it with a centre within this distance.",
    )(func)
    func = click.option(
        "--sponsor",
        metavar="PROVINCE",
        help="Keep the actual centres of this sponsor province (default: the scenario's "
        "[existing] sponsor_province, or every centre).",
    )(func)
    return click.option(
        "--actual",
        metavar="PATH_OR_LAYER",
        help="The actual centres: 'existing_centres' (the default layer) or a file (CSV "
        "with name, iso3, lon, lat; or any format GDAL reads).",
    )(func)


@main.command()
@scenario_argument
@actual_options
@backend_option
@time_limit_option
@format_option("table", "csv", "json")
@layer_option
def backtest(
    scenario: str | None,
    actual: str | None,
    sponsor: str | None,
    radius_km: float,
    backend: str | None,
    time_limit: float | None,
    fmt: str,
    overrides: dict[str, Path],
) -> None:
    """Test the method on the centres already opened: would it have chosen them?

    Matches each actual centre to a candidate city, and reports its rank, percentile and
    drivers, whether the plan with as many centres chooses it (or a city within the
    radius), and the same figures for random choice and for population alone.

    Example: planner backtest zhongguancun --format csv
    """
    from planner.analysis import format_backtest
    from planner.pipeline import backtest as run_backtest
    from planner.pipeline import prepare
    from planner.scenario import read_scenario

    prepared = prepare(read_scenario(scenario), overrides=overrides, until="criteria")
    result = run_backtest(
        prepared, actual=actual, sponsor=sponsor, radius_km=radius_km, backend=backend,
        time_limit_s=time_limit,
    )  # fmt: skip
    text = format_backtest(result, fmt=fmt)  # type: ignore[arg-type]
    click.echo(text, nl=not text.endswith("\n"))


@main.command()
@scenario_argument
@actual_options
@click.option(
    "--level",
    type=click.Choice(["auto", "criteria", "groups"]),
    default="auto",
    show_default=True,
    help="Weights per criterion, per criteria group, or groups when there are fewer than "
    "ten choices per criterion.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(min=0),
    help="Ridge penalty on standardised attributes (default: 0 with enough choices, else 1).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the calibrated weights to this TOML file ([criteria] weights_file).",
)
@layer_option
def calibrate(
    scenario: str | None,
    actual: str | None,
    sponsor: str | None,
    radius_km: float,
    level: str,
    alpha: float | None,
    out: Path | None,
    overrides: dict[str, Path],
) -> None:
    """Learn the criteria weights from the centres already opened (conditional logit).

    Each actual centre is one choice among the candidate cities. Reports each weight with
    its standard error and interval, the criteria the choices cannot tell apart,
    likelihood-ratio tests against the scenario's and equal weights, and the
    leave-one-out hit rate; --out writes a weights file for [criteria] weights_file.

    Example: planner calibrate --sponsor Beijing --out calibrated.toml
    """
    from planner.analysis import format_calibration, write_weights
    from planner.pipeline import calibrate as run_calibrate
    from planner.pipeline import prepare
    from planner.scenario import read_scenario

    prepared = prepare(read_scenario(scenario), overrides=overrides, until="criteria")
    result = run_calibrate(
        prepared, actual=actual, sponsor=sponsor, radius_km=radius_km, level=level,
        alpha=alpha,
    )  # fmt: skip
    click.echo(format_calibration(result), nl=False)
    if out is not None:
        click.echo(f"Wrote {write_weights(result, out)}")


# ---------------------------------------------------------------------------------------
# layers


@main.group(cls=_Group, invoke_without_command=True, context_settings=CONTEXT)
@layer_option
@click.pass_context
def layers(ctx: click.Context, overrides: dict[str, Path]) -> None:
    """List every layer: name, rows, geometry, source and year.

    Example: planner layers
    """
    if ctx.invoked_subcommand is not None:
        return
    from planner._table import format_table
    from planner.layers import layer_summary

    click.echo(format_table(layer_summary(overrides), floatfmt=",.0f"))


@layers.command("show")
@click.argument("name")
@format_option("table", "csv", "geojson")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Rows to show (0: all).",
)
@layer_option
def layers_show(name: str, fmt: str, limit: int, overrides: dict[str, Path]) -> None:
    """Show the rows of one layer.

    Example: planner layers show cities --limit 5 --format csv
    """
    from planner._table import frame_to_text
    from planner.layers import read_layer

    frame = read_layer(name, path=overrides.get(name))
    if not hasattr(frame, "iloc"):
        frame = frame.edges
    if limit:
        frame = frame.head(limit)
    text = frame_to_text(frame, fmt)
    click.echo(text, nl=not text.endswith("\n"))


@layers.command("validate")
@click.argument("items", nargs=-1, metavar="[NAME=PATH | PATH ...]")
def layers_validate(items: tuple[str, ...]) -> None:
    """Validate layers: every default layer, or the files given.

    A file's layer is named as NAME=PATH, or read from its file name (cities.gpkg).

    Example: planner layers validate cities=my_cities.gpkg
    """
    from planner.layers import validate_files

    for line in validate_files(items):
        click.echo(line)


# ---------------------------------------------------------------------------------------
# scenario


@main.group(cls=_Group, context_settings=CONTEXT)
def scenario() -> None:
    """Check planning scenarios (models/*.toml).

    Example: planner scenario check models/zhejiang.toml
    """


@scenario.command("check")
@scenario_argument
def scenario_check(scenario: str | None) -> None:
    """Validate a scenario and print it resolved, defaults filled in.

    Checks everything a run would reject about the scenario itself: its keys and
    values, the layer files it names, its criterion weights, its industries against
    the industries layer, and that its candidate filter keeps at least one city.

    Example: planner scenario check zhejiang
    """
    from planner.scenario import check_scenario, format_scenario, read_scenario

    click.echo(format_scenario(check_scenario(read_scenario(scenario))))




@main.command()
@scenario_argument
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
    help="Port to listen on.",
)
@backend_option
@layer_option
def serve(
    scenario: str | None,
    host: str,
    port: int,
    backend: str | None,
    overrides: dict[str, Path],
) -> None:
    """Start the what-if explorer: a local web page that re-plans as weights move.

    Prepares the scenario once (layers, accessibility, criteria), then serves a page
    with weight sliders, constraint controls, a map and the plan table, and a JSON API
    (GET /api/scenario, POST /api/plan). Listens on 127.0.0.1 unless --host says
    otherwise. Stop it with Ctrl-C.

    Example: planner serve --port 8000
    """
    from planner.scenario import read_scenario
    from planner.serve import serve as serve_app
    from planner.session import PlanningSession

    session = PlanningSession.prepare(
        read_scenario(scenario), overrides=overrides, backend=backend,
        progress=lambda m: click.echo(f"  {m}", err=True),
    )
    click.echo(f"The explorer is at http://{host}:{port}/ (Ctrl-C stops it).", err=True)
    serve_app(session, host=host, port=port)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
