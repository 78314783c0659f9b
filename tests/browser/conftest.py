"""Browser journeys: a real server (gunicorn) and real headless Chromium driven by Playwright.
Screenshots of each journey's key steps go to test-output/screenshots/<journey>/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.components import missing, require_executable
from tests.live import ROOT, LiveServer, scratch_postgres_url

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SITEMAKER_SCREENSHOTS", ROOT / "test-output" / "screenshots"))


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("live")
    base = os.environ.get("TEST_DATABASE_URL")
    url = scratch_postgres_url(base, "browser") if base else f"sqlite:///{root / 'live.db'}"
    server = LiveServer(root=root, database_url=url).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    executable = require_executable("chromium", "/usr/bin/chromium")
    try:
        from tests.components import playwright_session
    except ImportError:
        missing("playwright is not installed")
    with playwright_session() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.journey_failed = report.failed
    return report


@pytest.fixture
def context(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    yield context
    if getattr(request.node, "journey_failed", False):
        # What each tab showed when the journey failed, next to its screenshots.
        folder = SCREENSHOTS / re.sub(r"\W+", "-", request.node.name).strip("-")
        folder.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(context.pages, 1):
            page.screenshot(path=str(folder / f"failed-tab{number}.png"), full_page=True)
            print(f"tab {number} at failure: {page.url}")
    context.close()


@pytest.fixture
def shot(request):
    """shot(page, "name") saves a full-page screenshot for this journey, numbered in order."""
    journey = re.sub(r"\W+", "-", request.node.name).strip("-")
    folder = SCREENSHOTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


class BrowserTrouble:
    """Console errors, uncaught page errors and 5xx answers seen by every tab of a context.
    A journey that opens an error page on purpose says so with expect_status()."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.expected: set[int] = set()

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)

    def expect_status(self, *codes: int) -> None:
        self.expected.update(codes)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        status = re.search(r"status of (\d{3})", text)
        if status and int(status.group(1)) in self.expected:
            return
        self.problems.append(f"console error on {message.location.get('url')}: {text}")

    def _response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} from {response.url}")


@pytest.fixture
def trouble(context) -> Iterator[BrowserTrouble]:
    """Fails the journey on any console error, page error or server error in any of its tabs."""
    seen = BrowserTrouble()
    context.on("page", seen.watch)
    yield seen
    assert not seen.problems, "the browser reported problems:\n" + "\n".join(seen.problems)
