"""Running wrk and reading what it prints."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .lua import MARKER, Mix, script


@dataclass
class Run:
    """One wrk run, as numbers. Latencies in milliseconds."""

    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    statuses: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0
    non_2xx: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


_REQUESTS_PER_SEC = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)


def parse(output: str) -> Run:
    """Read wrk's stdout: the BENCH_JSON line the script's `done` prints, cross-checked with
    wrk's own "Requests/sec" line."""
    line = next((ln for ln in output.splitlines() if ln.startswith(MARKER)), None)
    if line is None:
        raise ValueError("wrk printed no BENCH_JSON line; was the bench Lua script used?")
    data = json.loads(line[len(MARKER) :])
    seconds = data["duration_us"] / 1e6
    rps = data["requests"] / seconds if seconds else 0.0
    match = _REQUESTS_PER_SEC.search(output)
    if match:
        rps = float(match.group(1))
    statuses = {str(k): int(v) for k, v in sorted(data["statuses"].items())}
    errors = data["errors"]
    lat = data["latency_us"]
    return Run(
        rps=round(rps, 2),
        p50_ms=lat["p50"] / 1000,
        p90_ms=lat["p90"] / 1000,
        p99_ms=lat["p99"] / 1000,
        requests=int(data["requests"]),
        statuses=statuses,
        socket_errors=sum(int(errors[k]) for k in ("connect", "read", "write", "timeout")),
        non_2xx=sum(n for code, n in statuses.items() if not code.startswith("2")),
    )


def executable() -> str:
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("bench: wrk is not installed; `apt-get install -y wrk` (or `make bench`)")
    return path


def run(url: str, mix: Mix, *, duration: int, threads: int, connections: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-lua-") as tmp:
        path = Path(tmp) / "mix.lua"
        path.write_text(script(mix))
        cmd = [
            executable(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(path),
            url,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse(done.stdout)
