from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the on-disk caches of a test run out of the user's cache directory."""
    if "PLANNER_CACHE_DIR" not in os.environ:
        os.environ["PLANNER_CACHE_DIR"] = str(tmp_path_factory.mktemp("planner-cache"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


# ---------------------------------------------------------------------------- browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
BROWSER_INSTALL = (
    "install the browser and its driver with `apt-get install -y chromium chromium-driver` "
    "and the Python driver with `pip install selenium`"
)


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium driven by selenium, one for the whole session (the browser tests
    open every page afresh and drain the logs first, so no state carries over).

    Skipped, naming the packages to install, when selenium, Chromium or chromedriver is
    missing. The network is on; ``offline_chromium`` is the same browser cut off it.
    """
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason=f"selenium missing: {BROWSER_INSTALL}"
    )
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        pytest.skip(f"Chromium or chromedriver missing ({', '.join(missing)}): {BROWSER_INSTALL}")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,900"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd("Network.enable", {})
    yield driver
    driver.quit()


def _network(driver, *, offline: bool) -> None:
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


@pytest.fixture(scope="module")
def offline_chromium(chromium):
    """The session's Chromium cut off the network for one module's tests (pages must load
    from the file alone), and given it back afterwards."""
    _network(chromium, offline=True)
    yield chromium
    _network(chromium, offline=False)


@pytest.fixture(scope="session")
def zh_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder with the Chinese brief (``brief.zh.html``, no PDF) and the Chinese map
    (``map.zh.html``) of the example run (``tests/_run_example.py``), written once."""
    from _run_example import example_run_view

    from planner.briefs import save_brief
    from planner.maps import save_map

    out = tmp_path_factory.mktemp("zh-run")
    view = example_run_view()
    save_brief(view, out, pdf=False, lang="zh")
    save_map(view, out / "map.zh.html", lang="zh")
    return out
