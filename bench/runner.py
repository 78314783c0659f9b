"""One benchmark run, start to finish."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import tempfile
from pathlib import Path

from . import nginxconf, seed, servers, wrk
from .lua import Mix
from .results import Case, table, write_json
from .settings import (
    BROWSER_UA,
    PAGES_PER_SITE,
    RESULTS_DIR,
    ROOT,
    SERVER_NAME,
    SITE_PREFIX,
    USER_AGENT,
    Settings,
    database_for,
)

SAMPLE_PATH = "/page-2"


class Bench:
    def __init__(self, settings: Settings, workdir: Path):
        self.s = settings
        self.workdir = workdir
        self.cases: list[Case] = []
        self.notes: list[str] = []
        self.gunicorn: dict[str, object] = {}

    def wanted(self, name: str) -> bool:
        return not self.s.cases or name in self.s.cases

    def measure(self, case: Case, app_url: str, base_url: str | None, mix: Mix,
                base_mix: Mix | None = None) -> None:  # fmt: skip
        """Alternate subject and baseline, round after round, so both see the same noise."""
        for n in range(self.s.rounds):
            case.app.append(self._wrk(app_url, mix))
            print(f"  {case.name} [{case.sites}] round {n + 1} app: {case.app[-1].rps:,.0f} req/s",
                  flush=True)  # fmt: skip
            if base_url:
                case.baseline.append(self._wrk(base_url, base_mix or mix))
                print(f"  {case.name} [{case.sites}] round {n + 1} {case.baseline_name}: "
                      f"{case.baseline[-1].rps:,.0f} req/s", flush=True)  # fmt: skip
        self.cases.append(case)

    def _wrk(self, url: str, mix: Mix) -> wrk.Run:
        return wrk.run(url, mix, duration=self.s.duration, threads=self.s.threads,
                       connections=self.s.connections)  # fmt: skip

    def skip(self, name: str, sites: int, description: str, reason: str) -> None:
        print(f"  {name} [{sites}] skipped: {reason}", flush=True)
        self.cases.append(Case(name, sites, description, skipped=reason))

    # -- one database size ---------------------------------------------------------------

    def size(self, sites: int) -> None:
        url = database_for(self.s.database_url, sites)
        seed.seed(url, sites)
        env = seed.app_env(url, self.s.redis_url)
        seed.build_assets(env)
        largest = sites == self.s.largest
        cookie = seed.owner_session_cookie(url, sites) if largest else None
        host1 = seed.tenant_host(1, sites)
        floor_dir = self.workdir / f"floor-{sites}"
        floor_dir.mkdir()
        self.gunicorn = servers.gunicorn_settings(
            servers.gunicorn_env(env, 0, self.workdir, "settings", self.s.workers)
        )
        with servers.gunicorn(
            "wsgi:app", env, self.s.workers, self.workdir, f"app-{sites}"
        ) as port:
            sample = servers.fetch(port, SAMPLE_PATH, host1)
            if sample.status != 200:
                raise SystemExit(f"bench: the app answered {sample.status} for http://{host1}"
                                 f"{SAMPLE_PATH}:\n{sample.body[:500]!r}")  # fmt: skip
            (floor_dir / "page.body").write_bytes(sample.body)
            (floor_dir / "page.type").write_text(sample.headers.get("Content-Type", "text/html"))
            self.notes.append(f"{sites} sites: sample page http://{host1}{SAMPLE_PATH} is "
                              f"{len(sample.body)} bytes")  # fmt: skip
            dash = None
            if cookie:
                dash = servers.fetch(port, "/admin/", host1, self._dash_headers(cookie))
                if dash.status == 200:
                    (floor_dir / "admin.body").write_bytes(dash.body)
                    (floor_dir / "admin.type").write_text(dash.headers.get("Content-Type", ""))
            floor_env = dict(env, BENCH_FLOOR_DIR=str(floor_dir))
            with servers.gunicorn("bench.floor:app", floor_env, self.s.workers, self.workdir,
                                  f"floor-{sites}") as floor_port:  # fmt: skip
                app_url, floor_url = f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{floor_port}/"
                self.page_cases(sites, app_url, floor_url, largest)
                if largest:
                    self.conditional_case(sites, port, app_url, floor_url, sample)
                    self.dashboard_case(sites, app_url, floor_url, cookie, dash)
                    self.counting_case(sites, env, app_url)
            if largest:
                self.nginx_cases(sites, port)

    def _dash_headers(self, cookie: tuple[str, str]) -> dict[str, str]:
        return {"Cookie": f"{cookie[0]}={cookie[1]}", "User-Agent": USER_AGENT}

    def _mix(self, sites: int, **kw) -> Mix:
        return Mix(sites=sites, pages=PAGES_PER_SITE, prefix=SITE_PREFIX, domain=SERVER_NAME, **kw)

    def page_cases(self, sites: int, app_url: str, floor_url: str, largest: bool) -> None:
        if self.wanted("page-uniform"):
            case = Case("page-uniform", sites, "tenant pages, hosts and pages picked uniformly")
            self.measure(case, app_url, floor_url, self._mix(sites))
        if largest and self.wanted("page-skewed"):
            case = Case(
                "page-skewed", sites, "tenant pages, popular-sites mix (Zipf s=1 over sites)"
            )
            self.measure(case, app_url, floor_url, self._mix(sites, skew=True))

    def conditional_case(self, sites, port, app_url, floor_url, sample) -> None:
        name, desc = "conditional-304", "If-None-Match with the page's ETag (floor: the 200 page)"
        if not self.wanted(name):
            return
        etag = sample.headers.get("ETag")
        host1 = seed.tenant_host(1, sites)
        if not etag:
            self.skip(name, sites, desc, "the app sends no ETag on tenant pages yet")
            return
        check = servers.fetch(port, SAMPLE_PATH, host1, {"If-None-Match": etag})
        case = Case(name, sites, desc, note=f"ETag {etag}; check answered {check.status}")
        mix = self._mix(sites, fixed=(SAMPLE_PATH, host1), headers={"If-None-Match": etag})
        self.measure(case, app_url, floor_url, mix, self._mix(sites, fixed=(SAMPLE_PATH, host1)))

    def dashboard_case(self, sites, app_url, floor_url, cookie, dash) -> None:
        name, desc = "dashboard", "/admin/ for a signed-in owner (session cookie)"
        if not self.wanted(name):
            return
        if dash is None or dash.status != 200:
            where = dash.headers.get("Location", "") if dash else ""
            self.skip(name, sites, desc, f"signed-in /admin/ answered "
                      f"{dash.status if dash else '-'} {where}".strip())  # fmt: skip
            return
        host1 = seed.tenant_host(1, sites)
        mix = self._mix(sites, fixed=("/admin/", host1), headers=self._dash_headers(cookie))
        self.measure(Case(name, sites, desc), app_url, floor_url, mix)

    def counting_case(self, sites: int, env: dict[str, str], app_url: str) -> None:
        """The page-view counting's cost where it matters most: a front-cache hit from a
        browser (so every step runs: bot check, salted hash, tally), against the same app with
        ANALYTICS_ENABLED off, alternating in the same run."""
        name = "page-hot-counting"
        if not self.wanted(name):
            return
        host1 = seed.tenant_host(1, sites)
        desc = "one hot page (front-cache hit), page-view counting on (baseline: off)"
        off_env = dict(env, SITEMAKER_ANALYTICS_ENABLED="false")
        mix = self._mix(sites, fixed=(SAMPLE_PATH, host1), headers={"User-Agent": BROWSER_UA})
        with servers.gunicorn("wsgi:app", off_env, self.s.workers, self.workdir,
                              f"app-uncounted-{sites}") as off_port:  # fmt: skip
            off_url = f"http://127.0.0.1:{off_port}/"
            self._wrk(off_url, mix)  # unrecorded: each fresh worker fills its front cache
            case = Case(name, sites, desc, baseline_name="counting off")
            self.measure(case, app_url, off_url, mix)

    # -- nginx -----------------------------------------------------------------------------

    def nginx_cases(self, sites: int, app_port: int) -> None:
        names = ("nginx-static", "nginx-page-uniform", "nginx-page-hot")
        if not any(self.wanted(name) for name in names):
            return
        if servers.nginx_executable() is None:
            self.skip("nginx-static", 0, "nginx static 5 kB file", "nginx is not installed")
            return
        static = self.static_ceiling()
        if not nginxconf.REPOSITORY_CONF.is_file():
            for name in ("nginx-page-uniform", "nginx-page-hot"):
                self.skip(name, sites, "the app through the repository's nginx config",
                          "nginx/sitemaker.conf does not exist yet")  # fmt: skip
            return
        port = servers.free_port()
        cache = self.workdir / "nginx-cache"
        cache.mkdir(mode=0o777)
        cache.chmod(0o777)
        media = self.workdir / "media"
        media.mkdir(mode=0o755)
        files = nginxconf.render_directory(nginxconf.NGINX_DIR, listen_port=port,
                                           app_port=app_port, cache_dir=cache, media_dir=media)  # fmt: skip
        body = f"    include {self.workdir / 'nginx-repo' / nginxconf.REPOSITORY_CONF.name};"
        host1 = seed.tenant_host(1, sites)
        try:
            with servers.nginx(body, self.workdir, port, "nginx-repo", files=files):
                check = servers.fetch(port, SAMPLE_PATH, host1)
                again = servers.fetch(port, SAMPLE_PATH, host1)
                cache_header = again.headers.get("X-Cache") or again.headers.get("X-Cache-Status")
                note = f"through nginx: {check.status}, then {again.status} X-Cache {cache_header or '-'}"
                url = f"http://127.0.0.1:{port}/"
                for name, desc, mix in (
                    ("nginx-page-uniform", "tenant pages through nginx, uniform hosts", self._mix(sites)),
                    ("nginx-page-hot", "one hot page through nginx (micro-cache's case)",
                     self._mix(sites, fixed=(SAMPLE_PATH, host1))),
                ):  # fmt: skip
                    if self.wanted(name):
                        case = Case(name, sites, desc, baseline_name="nginx-static", note=note)
                        case.baseline = list(static)
                        self.measure(case, url, None, mix)
        except RuntimeError as err:
            for name in ("nginx-page-uniform", "nginx-page-hot"):
                self.skip(name, sites, "the app through nginx", f"nginx refused the config: {err}")

    def static_ceiling(self) -> list[wrk.Run]:
        root = self.workdir / "static"
        root.mkdir(mode=0o755)
        (root / "page.html").write_bytes((b"<p>" + b"x" * 96 + b"</p>\n") * 50)  # 5,150 bytes
        port = servers.free_port()
        mix = Mix(fixed=("/page.html", "static.bench.test"))
        case = Case("nginx-static", 0, "nginx serving a 5 kB static file (nginx's own ceiling)",
                    baseline_name="")  # fmt: skip
        with servers.nginx(nginxconf.static_server(port, root), self.workdir, port, "nginx-static"):
            self.measure(case, f"http://127.0.0.1:{port}/", None, mix)
        return case.app


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def main(settings: Settings) -> dict:
    wrk.executable()
    started = dt.datetime.now(dt.UTC)
    # Date and start time: several runs a day keep their own files.
    stem = f"{started:%Y-%m-%d-%H%M}" + ("-quick" if settings.quick else "")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sitemaker-bench-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)  # nginx workers run as another user and read files from here
        bench = Bench(settings, workdir)
        for sites in sorted(settings.sizes):
            print(f"bench: {sites:,} sites", flush=True)
            bench.size(sites)
        profile_out = RESULTS_DIR / f"{stem}-profile.txt"
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        from .profiling import costs_text, cpu_costs, profile_pages

        print("bench: CPU per request at each size", flush=True)
        costs = {size: cpu_costs(database_for(settings.database_url, size), size)
                 for size in sorted(settings.sizes)}  # fmt: skip
        print(f"bench: profiling {settings.profile_requests} requests", flush=True)
        profile_pages(database_for(settings.database_url, settings.largest), settings.largest,
                      settings.profile_requests, profile_out, costs_text(costs))  # fmt: skip
    meta = {
        "date": f"{started:%Y-%m-%dT%H:%M:%SZ}",
        "commit": commit(),
        "machine": f"{platform.node()} {platform.machine()}, {_cpus()} CPUs",
        "python": platform.python_version(),
        "duration_s": settings.duration,
        "rounds": settings.rounds,
        "wrk": f"{settings.threads} threads, {settings.connections} connections",
        # gunicorn.conf.py as shipped (app and floor alike), only bind and log files overridden.
        "gunicorn": {"config": "gunicorn.conf.py", **bench.gunicorn},
        "database": settings.database_url + "_<sites>",
        "redis": settings.redis_url or "none (in-process cache)",
        "quick": settings.quick,
        # Other work on the machine skews every figure; the ratios suffer less than the rates.
        "load_average_1_5_15": {"start": load_before, "end": os.getloadavg()},
        "notes": bench.notes,
        "profile": profile_out.name,
        "cpu_ms_per_request": {str(size): c for size, c in costs.items()},
    }
    data = write_json(RESULTS_DIR / f"{stem}.json", meta, bench.cases)
    from .chart import write_chart

    png = write_chart(data, RESULTS_DIR / f"{stem}.png")
    print()
    print(table(data))
    print(f"\nbench: wrote {RESULTS_DIR / (stem + '.json')}, {png} and {profile_out}")
    return data


def _cpus() -> int:
    return os.cpu_count() or 0
