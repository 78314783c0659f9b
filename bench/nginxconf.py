"""nginx configurations for a run: the repository's nginx/*.conf as they are, with only the
loopback ports and this run's paths filled in, and a bare static server for nginx's own
ceiling. The run's hosts use the files' own placeholder domain (settings.SERVER_NAME), so no
server_name changes."""

from __future__ import annotations

import re
from pathlib import Path

from .settings import ROOT

NGINX_DIR = ROOT / "nginx"
REPOSITORY_CONF = NGINX_DIR / "sitemaker.conf"
# The operator's placeholders for the checkout and the media path (nginx/README.md).
PLACEHOLDER_PATHS = {"/srv/sitemaker/app": str(ROOT)}

_LISTEN = re.compile(r"^(\s*)listen\s+([^;]*);", re.MULTILINE)
# A `server` directive without a block is an upstream member (`server 127.0.0.1:8000 ...;`):
# its address is replaced, its parameters (max_fails, fail_timeout...) kept. Only where a
# directive starts (a line's start, or after `{` or `;`): never inside a comment.
_UPSTREAM_MEMBER = re.compile(
    r"((?:^|(?<=[{;]))\s*)server\s+(?!\{)([^\s;{}#]+)([^;{}\n#]*);", re.MULTILINE
)
_CACHE_PATH = re.compile(r"(proxy_cache_path\s+)(\S+)")


def render_directory(
    folder: Path, *, listen_port: int, app_port: int, cache_dir: Path, media_dir: Path
) -> dict[str, str]:
    """Every nginx/*.conf but the TLS variant, rendered, by file name: sitemaker.conf includes
    its neighbours by relative name, so they are written next to the generated nginx.conf."""
    files = {}
    for source in sorted(folder.glob("*.conf")):
        if "tls" in source.name:
            continue
        text = source.read_text()
        for placeholder, path in {
            **PLACEHOLDER_PATHS,
            "/srv/sitemaker/media": str(media_dir),
        }.items():
            text = text.replace(placeholder, path)
        files[source.name] = render_repository(
            text, listen_port=listen_port, app_port=app_port, cache_dir=cache_dir
        )
    return files


def render_repository(source: str, *, listen_port: int, app_port: int, cache_dir: Path) -> str:
    """The operator's config as an operator would deploy it on this machine, changed in
    addresses and paths only: every listen on loopback:listen_port (IPv6 and TLS listens
    dropped), every upstream member pointing at the gunicorn under test, caches in the run's
    directory."""

    def listen(match: re.Match) -> str:
        indent, args = match.group(1), match.group(2)
        if "[::" in args or " ssl" in f" {args}" or "443" in args:
            return f"{indent}# (bench) dropped: listen {args};"
        flags = " default_server" if "default_server" in args else ""
        return f"{indent}listen 127.0.0.1:{listen_port}{flags};"

    text = _LISTEN.sub(listen, source)
    text = _UPSTREAM_MEMBER.sub(
        lambda m: f"{m.group(1)}server 127.0.0.1:{app_port}{m.group(3)};", text
    )
    return _CACHE_PATH.sub(lambda m: f"{m.group(1)}{cache_dir}", text)


def static_server(listen_port: int, root: Path) -> str:
    return f"""
    server {{
        listen 127.0.0.1:{listen_port};
        server_name _;
        root {root};
        location / {{ try_files $uri =404; }}
    }}
"""
