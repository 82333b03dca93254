"""The map and the brief in a real browser: headless Chromium, network off.

Needs Debian's ``chromium`` and ``chromium-driver`` packages and the ``selenium`` Python
package; skipped with a message naming them when any is missing.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import matplotlib.image
import pytest
from _browser import wait_for
from _run_example import EVIL, example_run_view

from planner.briefs import save_brief
from planner.maps import save_map

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def browser(offline_chromium):
    """Headless Chromium without network (tests/conftest.py)."""
    return offline_chromium


def _open(driver, path: Path) -> None:
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get_log("performance")
    driver.get(path.as_uri())
    for _ in range(50):
        if driver.execute_script("return document.readyState") == "complete":
            break
        time.sleep(0.1)
    time.sleep(0.3)


def _wait(driver, script: str, *, seconds: float = 5.0):
    return wait_for(driver, script, seconds=seconds)


def _requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.fixture(scope="module")
def view():
    return example_run_view()


@pytest.fixture(scope="module")
def map_page(view, tmp_path_factory) -> Path:
    return save_map(view, tmp_path_factory.mktemp("run") / "map.html")


def test_map_loads_offline_without_errors(browser, map_page):
    _open(browser, map_page)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    assert browser.execute_script("return typeof L === 'object' && !!L.version")
    assert browser.execute_script("return document.querySelectorAll('.leaflet-container').length")
    outside = [u for u in _requested_urls(browser) if not u.startswith(("file:", "data:"))]
    assert outside == []


def test_one_marker_per_centre_and_a_popup_opens(browser, view, map_page):
    _open(browser, map_page)
    n = browser.execute_script("return document.querySelectorAll('.planner-centre').length")
    assert n == len(view.centres)
    browser.execute_script("document.querySelector('.planner-centre').click()")
    text = _wait(
        browser,
        "var p = document.querySelector('.leaflet-popup-content'); return p && p.innerText",
    )
    assert text.startswith("Centre ")
    assert "Why here" in text
    assert browser.execute_script("return document.querySelectorAll('.pp .bar').length") >= 3


def test_hostile_name_shows_as_text_and_runs_nothing(browser, map_page):
    _open(browser, map_page)
    browser.execute_script("window.__alerts = 0; window.alert = () => { window.__alerts++; };")
    markers = browser.find_elements("css selector", ".planner-centre")
    browser.execute_script("arguments[0].click()", markers[-1])
    text = _wait(
        browser,
        "var p = document.querySelector('.leaflet-popup-content'); return p && p.innerText",
    )
    assert EVIL in text
    assert browser.execute_script("return document.querySelectorAll('.pp script').length") == 0
    assert browser.execute_script("return window.__alerts") == 0


def test_city_search_opens_the_city(browser, map_page):
    _open(browser, map_page)
    box = browser.find_element("css selector", ".planner-search input")
    box.click()
    box.send_keys("Madrid\n")
    text = _wait(
        browser,
        "var p = document.querySelector('.leaflet-popup-content'); return p && p.innerText",
    )
    assert text.startswith("Centre ") and "Madrid" in text


def test_clustered_map_of_every_candidate_loads(browser, view, tmp_path):
    page = save_map(view, tmp_path / "map.html", top_n=0)
    _open(browser, page)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert browser.execute_script("return typeof L.markerClusterGroup === 'function'")
    clusters = browser.execute_script("return document.querySelectorAll('.marker-cluster').length")
    assert clusters > 0


def test_brief_html_renders_to_a_non_blank_picture(browser, view, tmp_path):
    save_brief(view, tmp_path, pdf=False)
    _open(browser, tmp_path / "brief.html")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    height = browser.execute_script("return document.body.scrollHeight")
    assert height > 2000  # a multi-section document, not an empty page
    loaded = browser.execute_script(
        "var i = document.querySelector('figure img'); return i.complete && i.naturalWidth"
    )
    assert loaded == 1200
    png = browser.get_screenshot_as_png()
    (tmp_path / "brief.png").write_bytes(png)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3]
    assert pixels.std() > 0.05
    assert (pixels.mean(axis=2) < 0.5).mean() > 0.01  # dark text and figures on the page


# ---------------------------------------------------------------------------- Chinese

# Draws up to eight distinct Han characters of an element's own text on a canvas, in the
# element's computed font (family stack, weight, style; 40 px), and returns each one's
# bitmap. A font stack that reaches a CJK font draws a different shape for every character;
# without one every character is the same missing-glyph box (tofu) or nothing at all.
_GLYPHS = """
const el = arguments[0];
const cs = getComputedStyle(el);
const font = `${cs.fontStyle} ${cs.fontWeight} 40px ${cs.fontFamily}`;
const han = Array.from(new Set(Array.from(el.innerText).filter(c => /\\p{Script=Han}/u.test(c))));
const chars = han.slice(0, 8);
const canvas = document.createElement('canvas');
canvas.width = 56; canvas.height = 56;
const ctx = canvas.getContext('2d', {willReadFrequently: true});
const bitmaps = [], ink = [];
for (const ch of chars) {
  ctx.clearRect(0, 0, 56, 56);
  ctx.font = font; ctx.fillStyle = '#000'; ctx.textBaseline = 'top';
  ctx.fillText(ch, 8, 8);
  const d = ctx.getImageData(0, 0, 56, 56).data;
  let bits = '', n = 0;
  for (let i = 3; i < d.length; i += 4) { const on = d[i] > 127; bits += on ? '1' : '0'; n += on; }
  bitmaps.push(bits); ink.push(n);
}
return {font: cs.fontFamily, chars: chars.join(''), distinct: new Set(bitmaps).size, ink: ink};
"""


def _assert_cjk_glyphs(driver, selector: str) -> None:
    """The Chinese text of ``selector`` is drawn with real glyphs: eight distinct characters
    give eight distinct, inked shapes in the element's own font stack (tofu boxes are all
    alike). Fails on a machine whose fonts have no CJK glyphs (fonts-noto-cjk missing)."""
    element = driver.find_element("css selector", selector)
    got = driver.execute_script(_GLYPHS, element)
    assert len(got["chars"]) == 8, f"{selector} has too little Chinese text: {got['chars']!r}"
    assert min(got["ink"]) > 30, f"{selector}: characters drawn empty in {got['font']}: {got}"
    assert got["distinct"] == 8, (
        f"{selector}: {got['chars']} drawn as {got['distinct']} distinct shape(s) in "
        f"{got['font']}: missing-glyph boxes, no CJK font reached (install fonts-noto-cjk)"
    )


def test_chinese_brief_renders_with_cjk_glyphs(browser, zh_run):
    _open(browser, zh_run / "brief.zh.html")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert browser.execute_script("return document.documentElement.lang").startswith("zh")
    assert browser.execute_script("return document.body.scrollHeight") > 2000
    png = browser.get_screenshot_as_png()
    (zh_run / "brief.zh.png").write_bytes(png)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3]
    assert pixels.std() > 0.05
    assert (pixels.mean(axis=2) < 0.5).mean() > 0.01  # dark text on the page
    _assert_cjk_glyphs(browser, "h1")
    _assert_cjk_glyphs(browser, "body")


def test_chinese_map_legend_renders_with_cjk_glyphs(browser, zh_run):
    _open(browser, zh_run / "map.zh.html")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert _wait(browser, "return !!document.querySelector('.planner-legend')")
    _assert_cjk_glyphs(browser, ".planner-legend")
    _assert_cjk_glyphs(browser, ".planner-title")
