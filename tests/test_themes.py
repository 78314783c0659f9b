"""Every built-in theme: renders every visitor template, differs from the others, and passes a
basic accessibility check (lang, heading order, alt text, colour contrast of its defaults)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitemaker.services.themes import available_themes

THEMES = ["plain", "journal", "landing"]
CSS_DIR = Path(__file__).resolve().parent.parent / "sitemaker" / "static" / "site" / "themes"


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headings: list[int] = []
        self.images: list[dict[str, str | None]] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "img":
            self.images.append(attributes)
        elif tag == "script":
            self.scripts += 1


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def test_at_least_three_themes_exist():
    assert set(THEMES) <= set(available_themes())


@pytest.fixture
def themed(make_site, make_page):
    def build(theme: str):
        site = make_site(theme, title=f"The {theme} site", tagline="A tagline", theme=theme)
        make_page(site, "About", "Intro.\n\n## Part\n\n![A red door](https://img.example/door.png)\n\n### Detail\n\nText.", status="published")  # fmt: skip
        make_page(
            site, "A post", "Post body.", kind="post", status="published", description="Summary"
        )
        return site

    return build


@pytest.mark.parametrize("theme", THEMES)
def test_theme_renders_every_visitor_page_accessibly(client, themed, theme):
    themed(theme)
    pages = {
        path: client.get(path, subdomain=theme) for path in ("/", "/about", "/a-post", "/nope")
    }
    assert [r.status_code for r in pages.values()] == [200, 200, 200, 404]
    for path, response in pages.items():
        html = response.text
        found = outline(html)
        assert found.lang == "en", path
        assert found.headings and found.headings[0] == 1, (path, found.headings)
        assert found.headings.count(1) == 1, (path, found.headings)
        for before, after in zip(found.headings, found.headings[1:], strict=False):
            assert after <= before + 1, (path, found.headings)  # never skips a level
        assert found.scripts == 0
        assert f'href="/static/gen/theme-{theme}.' in html, path
        assert 'name="viewport"' in html
        assert f"The {theme} site" in html
    about = outline(pages["/about"].text)
    assert about.images == [{"src": "https://img.example/door.png", "alt": "A red door"}]
    assert "<h1" in pages["/about"].text and ">About</h1>" in pages["/about"].text


def test_themes_are_different(client, themed):
    for theme in THEMES:
        themed(theme)
    bodies = {theme: client.get("/about", subdomain=theme).text for theme in THEMES}
    css = {theme: (CSS_DIR / f"{theme}.css").read_text() for theme in THEMES}
    assert (
        len(
            {
                re.sub(r"The \w+ site|/\w+\.\w+\.css|\w+\.example\.test", "", b)
                for b in bodies.values()
            }
        )
        == 3
    )
    assert "serif" in css["journal"] and "Georgia" in css["journal"]
    assert 'class="hero"' in bodies["landing"]
    assert 'class="hero"' not in bodies["plain"] and 'class="hero"' not in bodies["journal"]


def test_each_site_gets_its_own_theme_from_the_same_process(client, themed):
    """The Jinja template cache is keyed by the theme, so one tenant's theme never leaks."""
    for theme in THEMES:
        themed(theme)
    for _ in range(2):
        for theme in THEMES:
            assert f"theme-{theme}" in client.get("/about", subdomain=theme).text


def test_unknown_theme_falls_back_to_plain(client, make_site, make_page):
    site = make_site("alice", theme="../../dash")
    make_page(site, "About", status="published")
    response = client.get("/about", subdomain="alice")
    assert response.status_code == 200 and "theme-plain" in response.text


# -- contrast, computed from each theme's CSS variables (WCAG 2.x relative luminance) --------


def variables(theme: str) -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", (CSS_DIR / f"{theme}.css").read_text()).group(1)
    return dict(re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{6})", root))


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_matches_known_values():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-fails grey


@pytest.mark.parametrize("theme", THEMES)
def test_default_colours_have_enough_contrast(theme):
    colours = variables(theme)
    pairs = [("ink", "bg"), ("muted", "bg"), ("accent", "bg")]
    if "sheet" in colours:  # text sits on the sheet, not the page background
        pairs += [("ink", "sheet"), ("muted", "sheet"), ("accent", "sheet")]
    if "hero-bg" in colours:
        pairs += [("hero-ink", "hero-bg"), ("hero-muted", "hero-bg")]
    for fg, bg in pairs:
        ratio = contrast(colours[fg], colours[bg])
        assert ratio >= 4.5, f"{theme}: --{fg} on --{bg} is {ratio:.2f}:1"


@pytest.mark.parametrize("theme", THEMES)
def test_themes_are_responsive(theme):
    assert "@media (max-width" in (CSS_DIR / f"{theme}.css").read_text()


@pytest.mark.browser
def test_themes_and_custom_css_apply_in_a_real_browser_under_the_csp(
    make_app, make_site, make_page
):
    """Chromium enforces the CSP: the theme and the tenant's stylesheet still apply, and
    nothing is reported as blocked."""
    import threading

    from werkzeug.serving import make_server

    from tests.components import free_port, require_executable

    chromium = require_executable("chromium", "/usr/bin/chromium")
    try:
        from tests.components import playwright_session
    except ImportError:
        from tests.components import missing

        missing("playwright is not installed")
    port = free_port()
    app = make_app(SERVER_NAME=f"localhost:{port}")
    site = make_site(
        "journal", theme="journal", custom_css="body { background-color: rgb(1, 2, 3) }"
    )
    make_page(site, "About", "Hello.", status="published")
    server = make_server("127.0.0.1", port, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with playwright_session() as p:
            browser = p.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(f"http://journal.localhost:{port}/about")
            font = page.evaluate("getComputedStyle(document.body).fontFamily")
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            browser.close()
    finally:
        server.shutdown()
    assert "Georgia" in font or "serif" in font
    assert background == "rgb(1, 2, 3)"  # custom CSS, linked after the theme, wins
    assert problems == []
