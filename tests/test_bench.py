"""The benchmark harness's pure parts: Lua generation, reading wrk's output, summaries, the
chart, the floor app and the nginx config rendering. No timing is asserted here: the numbers
come from `make bench`."""

from __future__ import annotations

import os

import pytest

from bench import nginxconf, servers
from bench.chart import write_chart
from bench.floor import create_floor
from bench.lua import MARKER, Mix, script
from bench.results import Case, table, write_json
from bench.settings import database_for, from_env
from bench.wrk import Run, parse

# Real output of wrk 4.1.0 running a script from bench/lua.py against the floor app.
WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:18765/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.45ms    3.49ms  26.89ms   83.96%
    Req/Sec     0.92k   565.26     2.06k    66.67%
  1925 requests in 1.08s, 281.98KB read
Requests/sec:   1778.01
Transfer/sec:    260.45KB
BENCH_JSON {"requests": 1925, "duration_us": 1082673, "bytes": 288750, "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}, "latency_us": {"p50": 2704, "p90": 9026, "p99": 16453, "mean": 4454.6, "max": 26891}, "statuses": {"200": 1925}}
"""


def test_uniform_script_spreads_over_every_tenant_and_page():
    lua = script(Mix(sites=100_000, pages=5))
    assert 'HOST_FORMAT = "site%06d.bench.test"' in lua  # the padding `flask seed` uses
    assert "SITES = 100000" in lua and "PAGES = 5" in lua
    assert "math.random(1, SITES)" in lua
    assert 'path = "/page-" .. page' in lua
    assert f'MARKER = "{MARKER}"' in lua
    for callback in ("function setup(", "function init(", "function response(", "function done("):
        assert callback in lua


def test_skewed_script_prefers_popular_sites_and_small_sizes_pad_to_five():
    lua = script(Mix(sites=100, skew=True))
    assert "math.floor(SITES ^ math.random())" in lua
    assert "math.random(1, SITES)" not in lua
    assert '"site%05d.bench.test"' in lua


def test_fixed_script_quotes_header_values_for_lua():
    etag = 'W/"3-abc"'
    lua = script(Mix(fixed=("/page-2", "site00001.bench.test"), headers={"If-None-Match": etag}))
    assert 'EXTRA = {["If-None-Match"] = "W/\\"3-abc\\""}' in lua
    assert 'wrk.format("GET", "/page-2", headers)' in lua
    assert "SITES" not in lua


def test_a_mix_without_sites_is_refused():
    with pytest.raises(ValueError, match="at least one site"):
        script(Mix(sites=0))


def test_parse_reads_real_wrk_output():
    run = parse(WRK_OUTPUT)
    assert run.rps == 1778.01  # wrk's own Requests/sec line wins
    assert run.requests == 1925
    assert (run.p50_ms, run.p90_ms, run.p99_ms) == (2.704, 9.026, 16.453)
    assert run.statuses == {"200": 1925}
    assert run.non_2xx == 0 and run.socket_errors == 0


def test_parse_counts_non_2xx_and_socket_errors():
    text = WRK_OUTPUT.replace(
        '"statuses": {"200": 1925}', '"statuses": {"304": 900, "200": 5, "502": 20}'
    )
    text = text.replace('"read": 0', '"read": 3').replace('"timeout": 0', '"timeout": 2')
    run = parse(text)
    assert run.statuses == {"200": 5, "304": 900, "502": 20}
    assert run.non_2xx == 920
    assert run.socket_errors == 5


def test_parse_without_the_script_line_says_so():
    plain = "\n".join(ln for ln in WRK_OUTPUT.splitlines() if not ln.startswith(MARKER))
    with pytest.raises(ValueError, match="no BENCH_JSON"):
        parse(plain)


def _run(rps: float, p99: float, statuses: dict[str, int] | None = None) -> Run:
    statuses = statuses or {"200": 100}
    non_2xx = sum(n for c, n in statuses.items() if not c.startswith("2"))
    return Run(rps, 1.0, 2.0, p99, 100, statuses, 0, non_2xx)


def test_results_take_medians_ratios_and_print_a_table(tmp_path):
    case = Case("page-uniform", 100_000, "uniform")
    case.app = [_run(900, 40), _run(1000, 50, {"200": 90, "500": 10}), _run(1100, 60)]
    case.baseline = [_run(2000, 20), _run(3000, 25), _run(2500, 30)]
    skipped = Case("conditional-304", 100_000, "etag", skipped="the app sends no ETag")
    data = write_json(tmp_path / "r.json", {"date": "2026-11-22"}, [case, skipped])
    row = data["cases"][0]
    assert row["app"]["rps"] == 1000 and row["baseline"]["rps"] == 2500
    assert row["ratio"] == {"rps": 0.4, "p99": 2.0}
    assert row["app"]["non_2xx"] == 10 and row["app"]["statuses"]["500"] == 10
    assert (tmp_path / "r.json").read_text().startswith("{")
    text = table(data)
    assert "| page-uniform | 100000 | 1,000 |" in text
    assert "| 0.40 | 2.00 |" in text
    assert "skipped: the app sends no ETag" in text


def test_chart_is_a_png(tmp_path):
    case = Case("page-uniform", 100, "uniform", app=[_run(900, 40)], baseline=[_run(2000, 20)])
    static = Case("nginx-static", 0, "static", baseline_name="", app=[_run(50000, 3)])
    data = {"meta": {"date": "2026-11-22", "commit": "abc"},
            "cases": [case.to_dict(), static.to_dict(), Case("x", 1, "", skipped="no").to_dict()]}  # fmt: skip
    out = write_chart(data, tmp_path / "chart.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 5000


def test_floor_answers_the_recorded_bytes_for_any_host_and_path(tmp_path):
    (tmp_path / "page.body").write_bytes(b"<h1>tenant page</h1>")
    (tmp_path / "page.type").write_text("text/html; charset=utf-8")
    (tmp_path / "admin.body").write_bytes(b"<h1>dash</h1>")
    client = create_floor(tmp_path).test_client()
    for path, host in (("/", "site00001.bench.test"), ("/page-4", "other.example")):
        resp = client.get(path, headers={"Host": host})
        assert resp.status_code == 200 and resp.data == b"<h1>tenant page</h1>"
        assert resp.content_type == "text/html; charset=utf-8"
    assert client.get("/admin/").data == b"<h1>dash</h1>"


def test_floor_without_a_page_refuses_to_start(tmp_path):
    with pytest.raises(SystemExit, match="page.body is missing"):
        create_floor(tmp_path)


def test_settings_quick_mode_and_databases_per_size():
    quick = from_env({"BENCH_QUICK": "1"})
    assert (quick.duration, quick.rounds, quick.sizes) == (3, 1, (100,))
    full = from_env({"BENCH_SIZES": "100, 100000", "BENCH_DURATION": "20"})
    assert full.sizes == (100, 100_000) and full.duration == 20 and full.rounds == 3
    assert database_for("postgresql://u@h:5432/sitemaker_bench", 100) == (
        "postgresql://u@h:5432/sitemaker_bench_100"
    )
    assert (
        database_for("postgresql://h/b?sslmode=disable", 7) == "postgresql://h/b_7?sslmode=disable"
    )
    with pytest.raises(SystemExit, match="BENCH_SIZES"):
        from_env({"BENCH_SIZES": "0"})
    with pytest.raises(SystemExit, match="BENCH_SIZES='lots' is not a list of whole numbers"):
        from_env({"BENCH_SIZES": "lots"})
    with pytest.raises(SystemExit, match="BENCH_DURATION"):
        from_env({"BENCH_DURATION": "15s"})
    with pytest.raises(SystemExit, match="BENCH_WORKERS must be one number, at least 1"):
        from_env({"BENCH_WORKERS": "0"})
    with pytest.raises(SystemExit, match="BENCH_ROUNDS must be one number"):
        from_env({"BENCH_ROUNDS": "2 3"})


def test_repository_nginx_config_is_pointed_at_loopback(tmp_path):
    source = """
upstream sitemaker { server 127.0.0.1:8000 max_fails=0; server 10.0.0.2:8000; }
proxy_cache_path /var/cache/nginx/sitemaker levels=1:2 keys_zone=micro:10m;
server {
    listen 80 default_server;
    listen [::]:80 default_server;
    server_name example.com *.example.com;
    location / { proxy_pass http://sitemaker; }
}
"""
    text = nginxconf.render_repository(source, listen_port=9001, app_port=9002, cache_dir=tmp_path)
    assert "listen 127.0.0.1:9001 default_server;" in text
    assert "[::]" not in text.replace("# (bench) dropped: listen [::]:80 default_server;", "")
    # Addresses and paths only: the domain and the members' parameters stay as shipped.
    assert "server_name example.com *.example.com;" in text
    assert "server 127.0.0.1:9002 max_fails=0;" in text and "server 127.0.0.1:9002;" in text
    assert "8000" not in text and "10.0.0.2" not in text
    assert f"proxy_cache_path {tmp_path} levels" in text


def test_repository_nginx_directory_renders_every_plain_file(tmp_path):
    source = tmp_path / "nginx"
    source.mkdir()
    (source / "sitemaker.conf").write_text(
        "include sitemaker-upstream.conf;\nserver {\n    listen 80;\n"
        "    server_name example.com *.example.com;\n    include sitemaker-common.conf;\n}\n"
    )
    (source / "sitemaker-upstream.conf").write_text(
        "upstream sitemaker_app {\n    server 127.0.0.1:8000 max_fails=3 fail_timeout=10s;\n}\n"
    )
    (source / "sitemaker-common.conf").write_text(
        "location /static/ { alias /srv/sitemaker/app/sitemaker/static/; }\n"
        "location /_media/ { internal; alias /srv/sitemaker/media/; }\n"
    )
    (source / "sitemaker-tls.conf").write_text("server { listen 443 ssl; }\n")
    files = nginxconf.render_directory(
        source, listen_port=9001, app_port=9002, cache_dir=tmp_path, media_dir=tmp_path / "m"
    )
    assert sorted(files) == ["sitemaker-common.conf", "sitemaker-upstream.conf", "sitemaker.conf"]
    assert "listen 127.0.0.1:9001;" in files["sitemaker.conf"]
    assert "include sitemaker-upstream.conf;" in files["sitemaker.conf"]  # relative, kept
    assert "server 127.0.0.1:9002 max_fails=3 fail_timeout=10s;" in files["sitemaker-upstream.conf"]
    assert f"alias {nginxconf.ROOT}/sitemaker/static/;" in files["sitemaker-common.conf"]
    assert f"alias {tmp_path / 'm'}/;" in files["sitemaker-common.conf"]


def test_the_shipped_nginx_files_change_only_in_addresses_and_paths(tmp_path):
    """Whatever nginx/*.conf hold today, the run changes listens, upstream addresses and
    paths, and nothing else: every other line is the operator's, byte for byte."""
    files = nginxconf.render_directory(
        nginxconf.NGINX_DIR, listen_port=9001, app_port=9002, cache_dir=tmp_path / "c",
        media_dir=tmp_path / "m",
    )  # fmt: skip
    assert "sitemaker.conf" in files and not any("tls" in name for name in files)
    for name, rendered in files.items():
        shipped = (nginxconf.NGINX_DIR / name).read_text().splitlines()
        ours = rendered.splitlines()
        assert len(ours) == len(shipped), name
        for before, after in zip(shipped, ours, strict=True):
            if before == after:
                continue
            changed = before.strip().split()[0]
            # A comment may name a placeholder path too.
            assert changed in ("listen", "server", "proxy_cache_path", "alias", "root", "#"), (
                name, before, after,
            )  # fmt: skip
            assert "127.0.0.1:900" in after or str(tmp_path) in after or str(servers.ROOT) in after


def test_both_servers_run_the_shipped_gunicorn_conf_with_only_bind_and_logs_changed(tmp_path):
    assert servers.GUNICORN_CONF == servers.ROOT / "gunicorn.conf.py"
    base = {"PATH": "/usr/bin", "SITEMAKER_CONFIG": "production"}
    env = servers.gunicorn_env(base, 8123, tmp_path, "app")
    assert {k: v for k, v in env.items() if k not in base} == {
        "SITEMAKER_BIND": "127.0.0.1:8123",
        "SITEMAKER_ACCESS_LOG": str(tmp_path / "app-access.log"),
        "SITEMAKER_ERROR_LOG": str(tmp_path / "app-gunicorn.log"),
    }
    assert servers.gunicorn_env(base, 8123, tmp_path, "app", workers=3)["WEB_CONCURRENCY"] == "3"
    shipped = servers.gunicorn_settings(env)
    assert shipped["preload_app"] is True and shipped["max_requests"] >= 50_000
    assert shipped["workers"] == (os.cpu_count() or 1) * 2 + 1
