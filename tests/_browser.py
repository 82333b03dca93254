"""Helpers the browser tests share (tests/test_browser.py, tests/test_serve.py)."""

from __future__ import annotations

import time
from typing import Any


def wait_for(driver: Any, script: str, *, seconds: float = 5.0) -> Any:
    """Run ``script`` in the page until it returns something truthy, for at most ``seconds``
    (a bounded loop); then its last value, truthy or not."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    return driver.execute_script(script)
