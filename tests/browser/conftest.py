"""Browser tests: the real `econcierge serve` app on SQLite, driven by Debian's headless Chromium.

One server per test session (uvicorn in a thread, on a free port, its data in a temporary
directory) serves the world of tests/browser/world.py with the projections running as
`serve` runs them; one browser per session; one fresh browser context (cookies) per test.
Each test saves a screenshot under artifacts/browser/. Without Chromium or Playwright the
tests are skipped, except in CI (CI=true), where that is a failure: `./dev test` installs
Chromium when it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from domain.meta import Role
from infra.bootstrap import build
from infra.clock import FixedClock
from infra.settings import Settings
from projections.catalog import close_views, views_of
from projections.runner import head, wait_for_position
from projections.supervisor import start_projections_in_background
from tests.browser.world import NOW, World, build_world

CHROMIUM = os.environ.get("ECONCIERGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    if not shutil.which(CHROMIUM):
        return (
            f"no Chromium at {CHROMIUM} (apt-get install -y chromium; ./dev test does it as root)"
        )
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Console:
    """The running server: its address, its data, and tokens signed with its secret."""

    url: str
    world: World
    issue: Callable[..., str]

    def token(self, role: Role, sub: str, **claims: Any) -> str:
        return self.issue(sub=sub, role=role, **claims)


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    reason = _browser_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    settings = Settings(data_dir=tmp_path_factory.mktemp("console-data"))
    clock = FixedClock(NOW)
    service = build(settings, clock)
    world = build_world(service, clock)
    app = create_app(service)
    projections = start_projections_in_background(service)
    wait_for_position(views_of(service), "audit", head(service), timeout=20)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="console-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the console server did not start")
        time.sleep(0.05)
    yield Console(f"http://127.0.0.1:{port}", world, app.state.tokens.issue)
    server.should_exit = True
    thread.join(10)
    projections.stop()
    close_views(service)
    service.close()


@pytest.fixture(scope="session")
def browser(console: Console) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies); a screenshot of where the test ended."""
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale="ja-JP", accept_downloads=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page: Any, console: Console, token: str) -> None:
    """Paste the token on the sign-in page, as a person would."""
    page.goto(f"{console.url}/console/sign-in")
    page.get_by_label("ベアラートークン").fill(token)
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url(f"{console.url}/console")


def tab_to(page: Any, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text is `name`, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText.trim()") == name:
            return
    raise AssertionError(f"{name!r} was not reached with the Tab key")


def fits_the_width(page: Any, width: int) -> bool:
    """No sideways scroll: the page is no wider than the viewport."""
    return bool(page.evaluate("document.documentElement.scrollWidth") <= width)
