"""The what-if explorer over real HTTP: uvicorn on 127.0.0.1, a free port, a thread.

The API tests drive the server with urllib; the page tests use headless Chromium (Debian's
``chromium`` and ``chromium-driver`` with the ``selenium`` package; skipped with a message
naming them when missing). Every wait is bounded; the servers are stopped after the module.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from _browser import wait_for

from planner.optimise import solve_plan
from planner.scenario import read_scenario, scenario_from_mapping
from planner.serve import MAX_BODY_BYTES, create_app
from planner.session import PlanningSession

uvicorn = pytest.importorskip("uvicorn", reason="uvicorn missing: pip install uvicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    """uvicorn in a thread of this process, stopped by :meth:`stop`."""

    def __init__(self, app) -> None:
        self.port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        end = time.monotonic() + 30
        while not self.server.started and time.monotonic() < end:
            time.sleep(0.05)
        assert self.server.started, "uvicorn did not start within 30 s"
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


def _call(url: str, body: bytes | None = None, *, method: str | None = None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _post(server: _Server, payload, path: str = "/api/plan"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    status, data = _call(server.url + path, body)
    return status, json.loads(data)


@pytest.fixture(scope="module")
def session() -> PlanningSession:
    return PlanningSession.prepare(read_scenario())


@pytest.fixture(scope="module")
def server(session, tmp_path_factory):
    srv = _Server(create_app(session, out_root=tmp_path_factory.mktemp("runs")))
    yield srv
    srv.stop()


def test_scenario_lists_criteria_groups_and_constraints(server, session):
    status, data = _call(server.url + "/api/scenario")
    assert status == 200
    scenario = json.loads(data)
    assert scenario["scenario"]["name"] == "zhejiang"
    assert "path" not in scenario["scenario"]
    ids = {c["id"] for c in scenario["criteria"]}
    assert "rail_time" in ids
    assert {g["id"] for g in scenario["groups"]} >= {"talent", "risk"}
    assert math.isclose(sum(c["weight"] for c in scenario["criteria"]), 1.0)
    assert scenario["constraints"]["n_new"] == 8
    assert scenario["plan"]["status"] == "optimal"


def test_plan_of_empty_settings_is_the_scenario_plan(server, session):
    status, plan = _post(server, {})
    assert status == 200
    assert set(plan) >= {"status", "objective", "bound", "gap", "centres", "binding", "solve_ms"}
    assert plan["status"] == "optimal"
    assert len(plan["centres"]) == 8
    assert plan["added"] == [] and plan["removed"] == []
    first = plan["centres"][0]
    assert set(first) >= {"city_id", "name", "iso3", "lon", "lat", "industries", "score"}
    # the default scenario's kinds of centre: each centre says which it is
    kinds = {c["kind"] for c in plan["centres"]}
    assert kinds == {"zone_upgrading", "st_sourcing"}
    assert "max_per_country" in plan["binding"]


def test_plan_equals_solve_plan_for_the_same_inputs(server, session):
    weights = {"talent": 0.4, "rail_time": 0.0, "risk": 0.02}
    status, plan = _post(server, {"weights": weights, "constraints": {"n_new": 7}})
    assert status == 200
    w = session.resolve_weights(weights)
    # the scenario's kinds of centre included, as the server plans with them
    cons = session.constraints_from(session.resolve_constraints({"n_new": 7}))
    ref = solve_plan(
        session.plan_inputs(w, cons), cons, backend=session.backend, assess_binding=False
    )
    assert ref.status == plan["status"] == "optimal"
    assert math.isclose(ref.objective, plan["objective"], rel_tol=1e-7)
    assert sorted(int(i) for i in ref.centres["city_id"]) == sorted(
        c["city_id"] for c in plan["centres"]
    )


def test_weight_change_changes_the_plan(server):
    status, plan = _post(server, {"weights": {"talent": 1.0, "geographic": 0.0}})
    assert status == 200
    assert plan["added"] and plan["removed"]


def test_excluded_country_leaves_the_plan(server, session):
    iso3 = session.base.centres[0]["iso3"]
    status, plan = _post(server, {"constraints": {"excluded_countries": [iso3]}})
    assert status == 200 and plan["status"] == "optimal"
    assert iso3 not in {c["iso3"] for c in plan["centres"]}


def test_infeasible_is_200_and_names_the_conflict(server):
    status, plan = _post(server, {"constraints": {"min_on_rail_lines": 20}})
    assert status == 200
    assert plan["status"] == "infeasible"
    assert plan["centres"] == []
    assert "min_on_rail_lines" in plan["conflicts"]


@pytest.mark.parametrize(
    ("payload", "status", "names"),
    [
        ({"weights": {"no_such_criterion": 1}}, 400, "weights.no_such_criterion"),
        ({"weights": {"talent": -1}}, 400, "weights.talent"),
        ({"weights": {"talent": "high"}}, 400, "weights.talent"),
        ({"weights": {"talent": float("inf")}}, 400, "weights.talent"),
        ({"constraints": {"no_such_key": 1}}, 400, "constraints.no_such_key"),
        ({"constraints": {"n_new": 0}}, 400, "constraints.n_new"),
        ({"constraints": {"n_new": "eight"}}, 400, "constraints.n_new"),
        ({"constraints": {"excluded_countries": "DEU"}}, 400, "constraints.excluded_countries"),
        ({"constraints": {"min_separation_km": -5}}, 400, "constraints.min_separation_km"),
        ({"weights": [1, 2]}, 400, "weights"),
        ({"constraints": 3}, 400, "constraints"),
        ({"weight": {}}, 400, "body.weight"),
        ([1, 2], 400, "body"),
    ],
)
def test_bad_requests_name_the_field(server, payload, status, names):
    body = json.dumps(payload, allow_nan=True).encode()
    got, data = _post(server, body)
    assert got == status
    assert names in data["error"]
    assert "Traceback" not in data["error"]


def test_all_zero_weights_are_refused(server, session):
    zero = {g["id"]: 0 for g in session.groups()}
    got, data = _post(server, {"weights": zero})
    assert got == 400
    assert "weights" in data["error"]


def test_malformed_json_and_oversized_bodies(server):
    got, data = _post(server, b'{"weights": {')
    assert got == 400 and "not valid JSON" in data["error"]
    got, data = _post(server, b"\xff\xfe")
    assert got == 400 and "body" in data["error"]
    big = json.dumps({"weights": {"talent": 1}, "pad": "x" * MAX_BODY_BYTES}).encode()
    got, data = _post(server, big)
    assert got == 413 and "limit" in data["error"]


def test_unknown_route_and_method_answer_json(server):
    status, data = _call(server.url + "/etc/passwd")
    assert status == 404 and "error" in json.loads(data)
    status, data = _call(server.url + "/api/plan")
    assert status == 405 and "error" in json.loads(data)


class _FailingSession:
    """The real session, except that solving fails as an unforeseen bug would."""

    def __init__(self, session: PlanningSession) -> None:
        self._session = session

    def __getattr__(self, name):
        return getattr(self._session, name)

    def solve(self, weights=None, constraints=None):
        raise ZeroDivisionError("a bug in the solver")


def test_an_unexpected_failure_is_json_not_500(session, tmp_path):
    srv = _Server(create_app(_FailingSession(session), out_root=tmp_path))
    try:
        status, data = _post(srv, {})
        assert status == 503
        assert "Traceback" not in data["error"] and "ZeroDivision" not in data["error"]
        # the server still answers afterwards
        status, _ = _call(srv.url + "/api/scenario")
        assert status == 200
    finally:
        srv.stop()


def test_concurrent_requests_agree_with_serial_ones(server):
    payloads = [{"weights": {"talent": 0.05 * i}} for i in range(8)]
    serial = [_post(server, p)[1] for p in payloads]
    results: list = [None] * len(payloads)

    def work(i: int) -> None:
        results[i] = _post(server, payloads[i])[1]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for a, b in zip(serial, results):
        assert b is not None
        assert [c["city_id"] for c in a["centres"]] == [c["city_id"] for c in b["centres"]]
        assert math.isclose(a["objective"], b["objective"], rel_tol=1e-9)


def test_toml_download_reads_back_as_the_scenario(server):
    status, data = _post(server, {"weights": {"talent": 0.3}, "constraints": {"n_new": 5}},
                         "/api/toml")  # fmt: skip
    assert status == 200
    mapping = tomllib.loads(data["toml"])
    scenario = scenario_from_mapping(mapping)
    assert scenario.constraints["n_new"] == 5
    assert math.isclose(sum(scenario.criteria["weights"].values()), 1.0)


def test_run_folder_is_written_where_the_server_chooses(server, tmp_path_factory):
    status, data = _post(server, {"constraints": {"n_new": 7}, "weights": {"talent": 0.3}},
                         "/api/run")  # fmt: skip
    assert status == 200
    folder = Path(data["folder"])
    assert folder.name.startswith("zhejiang-explorer-")
    assert {"map.html", "run.json", "plan.csv"} <= set(data["files"])
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert record["planner_run"] == 1
    assert record["scenario"]["constraints"]["n_new"] == 7
    status, data = _post(server, {"folder": "/tmp/x"}, "/api/run")
    assert status == 400 and "body.folder" in data["error"]


def test_session_resolves_group_and_criterion_weights(session):
    base = session.resolve_weights({})
    assert math.isclose(base.sum(), 1.0)
    doubled = session.resolve_weights({"talent": 2 * dict(
        (g["id"], g["weight"]) for g in session.groups())["talent"]})
    talent = [c["id"] for c in session.criteria() if c["group"] == "talent"]
    assert doubled[talent].sum() > base[talent].sum()
    # a criterion's weight moves only its share within the group
    one = talent[0]
    within = session.resolve_weights({one: 0.0})
    assert within[one] == 0.0
    assert math.isclose(within[talent].sum(), base[talent].sum())
    s = session.totals(base)
    assert s.shape == (len(session.prepared.scores.frame),)
    frame = session.prepared.scores.frame
    assert max(abs(s - frame["score_total"].to_numpy())) < 1e-9


# ---------------------------------------------------------------------------- browser

@pytest.fixture(scope="module")
def browser(chromium):
    """Headless Chromium (tests/conftest.py); the page talks to the local server."""
    return chromium


def _wait(driver, script: str, *, seconds: float = 20.0):
    return wait_for(driver, script, seconds=seconds)


def _open_page(driver, server) -> None:
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(server.url + "/")
    assert _wait(driver, "return document.body.getAttribute('data-ready') === '1'")
    assert _wait(driver, "return document.querySelectorAll('#plan tbody tr').length > 0")


def _rows(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#plan tbody tr'))"
        ".map(r => r.getAttribute('data-city-id'))"
    )


def _after_change(driver, before: list[str]) -> list[str]:
    _wait(driver, f"return JSON.stringify(Array.from(document.querySelectorAll("
                  f"'#plan tbody tr')).map(r => r.getAttribute('data-city-id'))) !== "
                  f"{json.dumps(json.dumps(before, separators=(',', ':')))}")  # fmt: skip
    return _rows(driver)


@pytest.mark.browser
def test_page_loads_from_the_server_alone_without_errors(browser, server):
    _open_page(browser, server)
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    outside = [u for u in urls if not u.startswith((server.url, "data:"))]
    assert outside == []
    assert browser.execute_script("return document.querySelectorAll('path.centre').length") == 8


def _set(driver, selector: str, value: str, event: str) -> None:
    driver.execute_script(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event(arguments[2]));",
        selector, value, event,
    )


@pytest.mark.browser
def test_moving_a_weight_slider_changes_table_and_markers(browser, server):
    _open_page(browser, server)
    before = _rows(browser)
    markers = browser.execute_script(
        "return Array.from(document.querySelectorAll('path.centre')).map(p => p.getAttribute('d'))"
    )
    _set(browser, "input[data-weight='geographic']", "0", "input")
    _set(browser, "input[data-weight='talent']", "1", "input")
    after = _after_change(browser, before)
    assert after != before
    moved = browser.execute_script(
        "return Array.from(document.querySelectorAll('path.centre')).map(p => p.getAttribute('d'))"
    )
    assert sorted(moved) != sorted(markers)
    assert browser.find_element("id", "changes").text.startswith("In:")


@pytest.mark.browser
def test_excluded_country_disappears_from_the_page(browser, server, session):
    _open_page(browser, server)
    before = _rows(browser)
    iso3 = session.base.centres[0]["iso3"]
    _set(browser, "input[data-constraint='excluded_countries']", iso3, "change")
    _after_change(browser, before)
    countries = browser.execute_script(
        "return Array.from(document.querySelectorAll('#plan tbody tr td:nth-child(3)'))"
        ".map(td => td.textContent)"
    )
    assert len(countries) == 8 and iso3 not in countries


@pytest.mark.browser
def test_infeasible_setting_shows_the_conflict(browser, server):
    _open_page(browser, server)
    _set(browser, "input[data-constraint='min_on_rail_lines']", "20", "change")
    # naming the conflict re-solves the plan once per constraint family (deletion filter):
    # with the default's kinds of centre that takes tens of seconds on a loaded machine
    text = _wait(browser, "return document.getElementById('conflict').textContent", seconds=120)
    assert "No plan meets every constraint" in text
    assert "min_on_rail_lines" in text
    assert _rows(browser) == []

