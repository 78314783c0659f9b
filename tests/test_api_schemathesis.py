"""Property-based run of schemathesis against the served openapi.json, on a live gunicorn
server with a valid owner's token: every check schemathesis has (all are on by default) (no 5xx, statuses, content
types, headers and bodies as described, invalid input refused, valid input accepted, auth not
ignored, 405 with Allow for other methods, deleted things gone). Bounded by --max-examples.

One exception, by configuration: POST /media is not held to "valid data is accepted". A schema
can say "a file", not "a file that decodes as an image", and random bytes are rightly refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.components import missing
from tests.live import BIN, LiveServer, scratch_postgres_url

MAX_EXAMPLES = int(os.environ.get("SITEMAKER_SCHEMATHESIS_EXAMPLES", "50"))
SEED = 20261122
CONFIG = """
[[operations]]
include-path = "/media"
include-method = "POST"
checks.positive_data_acceptance.enabled = false
"""


class ApiLiveServer(LiveServer):
    """The live server, with the API's rate limit out of the way of a fast test run."""

    def env(self) -> dict[str, str]:
        env = super().env()
        with open(env["APP_CONFIG_FILE"], "a") as config:
            config.write("RATELIMIT_API = '100000 per minute'\n")
            # The description states this limit; the coverage phase sends bodies of exactly
            # the limit and one more, which at the default million characters is slow.
            config.write("PAGE_MAX_BODY_CHARS = 20000\n")
        return env


def make_owner_token(database_url: str) -> str:
    """An owner and a site with a few pages, made directly in the live server's database."""
    from sitemaker import create_app
    from sitemaker.extensions import db
    from sitemaker.models import Membership, Site, User
    from sitemaker.services import api_tokens
    from sitemaker.services.pages import create_page

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        user = User(email="owner@example.org", password_hash="-")
        site = Site(subdomain="acme", title="Acme")
        db.session.add_all([user, site])
        db.session.flush()
        db.session.add(Membership(site_id=site.id, user_id=user.id, role="owner"))
        for n in range(1, 4):
            create_page(site, f"Page {n}", f"Text *{n}*", author=user)
        _row, token = api_tokens.create_token(site, user, "schemathesis", list(api_tokens.SCOPES))
        db.session.commit()
        db.engine.dispose()
    return token


@pytest.fixture(scope="module")
def live_api(tmp_path_factory) -> Iterator[tuple[LiveServer, str]]:
    if shutil.which("schemathesis", path=str(BIN)) is None:
        missing("schemathesis is not installed (requirements-dev.txt)")
    root = tmp_path_factory.mktemp("api-live")
    base = os.environ.get("TEST_DATABASE_URL")
    url = scratch_postgres_url(base, "schemathesis") if base else f"sqlite:///{root / 'live.db'}"
    server = ApiLiveServer(root=root, database_url=url)
    server.flask("db", "upgrade")
    token = make_owner_token(url)
    server.start()
    yield server, token
    server.stop()


def test_schemathesis_finds_nothing(live_api, tmp_path: Path):
    server, token = live_api
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    report = tmp_path / "report.json"
    command = [
        str(BIN / "schemathesis"), "--config-file", str(config), "run",
        f"http://127.0.0.1:{server.port}/api/v1/openapi.json",
        # Tenant hosts are <sub>.localhost; send that Host to the loopback address.
        "--header", f"Host: acme.localhost:{server.port}",
        "--header", f"Authorization: Bearer {token}",
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
        # One worker: with several, Hypothesis' lambda descriptions hit a thread-unsafe
        # ast.parse in Python 3.11 (SystemError "AST constructor recursion depth mismatch").
        "--workers", "1", "--request-timeout", "20",
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip
    # Run in the test's own folder: schemathesis keeps a cache of past failures in the working
    # directory and replays them, which would make one run depend on the one before.
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=900, cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    server_log = (server.root / "gunicorn.log").read_text()
    assert "Traceback" not in server_log, server_log[-4000:]
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    summary = json.loads(report.read_text())
    cases = summary["test_cases"]
    # The run's size and outcome, for the record (pytest -s, or the CI log on failure).
    print(
        f"schemathesis {summary['schemathesis_version']}: {cases['generated']} test cases over "
        f"{summary['operations']['tested']} operations in {summary['running_time']:.0f} s, "
        f"{cases['unique_failures']} failures, seed {SEED}, max {MAX_EXAMPLES} examples each"
    )
    assert summary["operations"]["tested"] == 10
    assert cases["unique_failures"] == 0 and cases["errored"] == 0
    assert cases["generated"] >= 9 * min(MAX_EXAMPLES, 20)
    # The only operation whose generated data is mostly refused is the upload (see above).
    mismatched = summary["warnings"].get("validation_mismatch") or []
    assert [str(m) for m in mismatched if "media" not in str(m)] == []
