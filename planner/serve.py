"""``planner serve``: the what-if explorer, a local web app that re-plans live.

The scenario is prepared once (layers, accessibility, criteria) into a
:class:`planner.session.PlanningSession`; each change on the page posts the weights and
constraints to ``/api/plan``, which re-plans on the warm plan model in milliseconds.

Why Starlette: the app is five routes, one page and a JSON API whose error messages must
name the field in planner's own words (the same sentences the CLI prints). FastAPI would
add pydantic models whose validation errors (422, in pydantic's wording) would have to be
translated back; Starlette gives the routing, request and response objects on the same
ASGI core without that layer. uvicorn serves it.

Concurrency: one :class:`~planner.session.PlanningSession` holds the warm models and
serialises solves with a lock. A re-plan is CPU-bound, in process and a few tens of
milliseconds; the machine it runs on for a meeting has few cores, and Python threads
share one interpreter lock, so a pool of model copies would buy little throughput while
multiplying memory and losing the warm basis each copy would have to rebuild. The lock
keeps the model consistent (a :class:`~planner.optimise.PlanModel` is not thread-safe)
and each solve starts from the previous one's basis.

Safety: it listens on 127.0.0.1 unless told otherwise, takes no file path from a request
(a run folder is written under the default output folder with a name the server picks),
limits request bodies to :data:`MAX_BODY_BYTES`, and the page puts every name from data
in with ``textContent``. Errors are JSON: 4xx naming the field for a bad request; any
unexpected failure is logged on the server and answered 503 with a short JSON message,
never a 500 or a traceback.
"""

from __future__ import annotations

import html
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from planner import _assets
from planner._errors import PlannerError

log = logging.getLogger(__name__)

#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 64 * 1024

#: Constraints the page offers controls for (others can still be sent to the API).
CONTROLS = (
    "n_new",
    "n_centres",
    "max_per_country",
    "min_separation_km",
    "min_on_rail_lines",
    "min_near_coop_zones",
    "required_countries",
    "excluded_countries",
    "required_cities",
    "excluded_cities",
)

_TEMPLATES = Path(__file__).with_name("templates")


class BadRequest(Exception):
    """A request the API refuses: the status and a message naming the field."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def page_html(title: str) -> str:
    """The explorer's page: Leaflet and the page's script inlined, so it works offline."""
    assets = _assets.inline_html((_assets.leaflet(),))
    script = (_TEMPLATES / "serve.js").read_text(encoding="utf-8")
    if "</script" in script.lower():  # pragma: no cover - the file is ours
        msg = "serve.js contains a closing script tag."
        raise ValueError(msg)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(title)} - what-if explorer</title>
{assets}
<style>
body {{ margin: 0; font: 14px/1.4 system-ui, sans-serif; display: grid;
  grid-template-columns: 340px 1fr; height: 100vh; }}
#side {{ overflow-y: auto; padding: 8px 12px; border-right: 1px solid #ccc; }}
#main {{ display: grid; grid-template-rows: 55% 45%; min-width: 0; }}
#map {{ height: 100%; }}
#out {{ overflow-y: auto; padding: 8px 12px; }}
fieldset {{ margin: 6px 0; padding: 4px 8px; }}
label {{ display: grid; grid-template-columns: 1fr 110px 36px; gap: 4px; font-size: 12px; }}
label.group {{ font-weight: bold; }}
label.constraint {{ grid-template-columns: 1fr 150px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 12px; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 2px 4px; text-align: left; }}
.ok {{ color: #064; }} .warn {{ color: #a40; }}
#error {{ color: #fff; background: #a00; padding: 4px 8px; }}
#conflict {{ color: #a00; }}
</style></head>
<body>
<div id="side">
<h1 id="title" style="font-size:16px">{html.escape(title)}</h1>
<p>Move a weight or change a constraint: the plan is solved again on the warm model.</p>
<h2 style="font-size:14px">Weights</h2><div id="weights"></div>
<h2 style="font-size:14px">Constraints</h2><div id="constraints"></div>
<p><button id="toml" type="button">Download settings as scenario TOML</button></p>
<p><button id="run" type="button">Write a run folder</button> <span id="runnote"></span></p>
</div>
<div id="main"><div id="map"></div>
<div id="out">
<div id="error" hidden></div>
<div><span id="status"></span> <span id="busy"></span></div>
<div id="conflict"></div>
<div><strong>Against the scenario's own plan:</strong> <span id="changes"></span></div>
<div><strong>At their limit:</strong> <span id="binding"></span></div>
<table id="plan"><thead><tr><th>#</th><th>City</th><th>Country</th><th>Score</th>
<th>Industries</th><th>Drivers</th></tr></thead><tbody></tbody></table>
</div></div>
<script>
{script}
</script>
</body></html>
"""


def _countries_geojson(session: Any) -> dict[str, Any]:
    """The countries layer, simplified (0.1 degree), as the page's background."""
    countries = session.prepared.layers["countries"]
    frame = countries[["iso3", "geometry"]].copy()
    frame["geometry"] = frame.geometry.simplify(0.1, preserve_topology=True)
    return json.loads(frame.to_json(drop_id=True))


def _existing(session: Any) -> list[dict[str, Any]]:
    existing = session.prepared.existing
    if existing is None or len(existing) == 0:
        return []
    out = []
    for r in existing.to_dict("records"):
        name = r.get("name_en") if isinstance(r.get("name_en"), str) else r.get("name")
        lon, lat = r.get("lon"), r.get("lat")
        out.append({
            "name": str(name), "iso3": str(r.get("iso3", "")),
            "lon": None if lon is None or lon != lon else float(lon),
            "lat": None if lat is None or lat != lat else float(lat),
        })  # fmt: skip
    return out


def _settings(body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(body, dict):
        raise BadRequest(400, 'body: send a JSON object {"weights": {...}, "constraints": {...}}.')
    unknown = [k for k in body if k not in ("weights", "constraints")]
    if unknown:
        raise BadRequest(400, f"body.{unknown[0]} is not a field; send weights and constraints.")
    weights = body.get("weights") or {}
    constraints = body.get("constraints") or {}
    if not isinstance(weights, dict):
        raise BadRequest(400, f"weights = {weights!r} must be an object name -> number.")
    if not isinstance(constraints, dict):
        raise BadRequest(400, f"constraints = {constraints!r} must be an object key -> value.")
    return weights, constraints


def create_app(session: Any, *, out_root: Path | None = None) -> Any:
    """The ASGI app of the explorer on ``session`` (a :class:`PlanningSession`).

    Parameters
    ----------
    out_root
        Where "write a run folder" puts its folders; the parent of the scenario's default
        run folder (``maps/``) when ``None``. Each folder gets a new name there.
    """
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route

    from planner.runfolder import default_out_dir

    scenario = session.scenario
    root = Path(out_root) if out_root is not None else default_out_dir(scenario).parent
    page = page_html(scenario.title)
    countries = _countries_geojson(session)
    name_lock = threading.Lock()
    static = {
        "scenario": scenario.to_dict(),
        "criteria": session.criteria(),
        "groups": session.groups(),
        "constraints": dict(scenario.constraints),
        "constraint_keys": list(session.constraint_keys()),
        "controls": list(CONTROLS),
        "existing": _existing(session),
        "plan": session.base.to_json(),
    }
    static["scenario"].pop("path", None)  # no machine path in a response
    static["scenario"].pop("layers", None)

    async def read_body(request: Request) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            raise BadRequest(413, f"body: larger than the limit of {MAX_BODY_BYTES:,} bytes.")
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY_BYTES:
                raise BadRequest(413, f"body: larger than the limit of {MAX_BODY_BYTES:,} bytes.")
        try:
            return json.loads(data.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest(400, f"body: not valid JSON ({exc}).") from None

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    async def get_scenario(request: Request) -> JSONResponse:
        return JSONResponse(static)

    async def get_countries(request: Request) -> JSONResponse:
        return JSONResponse(countries)

    def _plan(weights: dict[str, Any], constraints: dict[str, Any]) -> dict[str, Any]:
        return session.solve(weights=weights, constraints=constraints).to_json()

    async def post_plan(request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        weights, constraints = _settings(await read_body(request))
        return JSONResponse(await run_in_threadpool(_plan, weights, constraints))

    async def post_toml(request: Request) -> JSONResponse:
        weights, constraints = _settings(await read_body(request))
        text = session.to_toml(weights, constraints)
        return JSONResponse({"filename": f"{scenario.name}-explorer.toml", "toml": text})

    def _write(weights: dict[str, Any], constraints: dict[str, Any]) -> dict[str, Any]:
        session.scenario_with(weights, constraints)  # a bad setting is refused before naming
        with name_lock:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            folder = root / f"{scenario.name}-explorer-{stamp}"
            n = 1
            while folder.exists():
                n += 1
                folder = root / f"{scenario.name}-explorer-{stamp}-{n}"
            folder.mkdir(parents=True)
        files = session.write_run(folder, weights, constraints)
        return {"folder": str(folder), "files": [p.name for p in files]}

    async def post_run(request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        weights, constraints = _settings(await read_body(request))
        return JSONResponse(await run_in_threadpool(_write, weights, constraints))

    async def bad_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BadRequest)
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    async def planner_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("planner serve: %s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            {"error": "The server could not answer this request (the error is in its log)."},
            status_code=503,
        )

    routes = [
        Route("/", index),
        Route("/api/scenario", get_scenario),
        Route("/api/countries", get_countries),
        Route("/api/plan", post_plan, methods=["POST"]),
        Route("/api/toml", post_toml, methods=["POST"]),
        Route("/api/run", post_run, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            BadRequest: bad_request,
            PlannerError: planner_error,
            HTTPException: http_error,
            Exception: unexpected,
        },
    )
    return _NoServerErrors(app, unexpected)


class _NoServerErrors:
    """ASGI wrapper: an exception that escapes the app becomes the JSON 503 answer.

    Starlette hands an ``Exception`` handler to its outermost middleware, which answers
    and then re-raises for the server to log; this wrapper catches that re-raise once the
    answer is sent, so uvicorn neither logs a second traceback nor sends its own 500.
    """

    def __init__(self, app: Any, handler: Any) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = False

        async def guarded_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception as exc:
            if scope["type"] != "http" or started:
                return
            from starlette.requests import Request

            response = await self.handler(Request(scope), exc)
            await response(scope, receive, send)


def serve(
    session: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    out_root: Path | None = None,
    log_level: str = "warning",
) -> None:
    """Serve the explorer on ``host:port`` until interrupted."""
    import uvicorn

    app = create_app(session, out_root=out_root)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
