"""Markdown is rendered and sanitized on save: nothing executable survives."""

from html.parser import HTMLParser

import pytest

from sitemaker.services.markdown import render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<iframe src="https://evil.test"></iframe>',
    '<svg onload="alert(1)"></svg>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<object data='x'></object><embed src='x'>",
    "<form action='https://evil.test'><input name=a></form>",
]


class Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("source", HOSTILE)
def test_nothing_executable_survives(source):
    html = render_markdown(source)
    for tag, attrs in Elements(html).found:
        assert tag not in {"script", "iframe", "svg", "object", "embed", "form", "input", "style"}
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name != "style", html
            if name in ("href", "src"):
                assert (
                    value.split(":")[0].lower() in {"http", "https", "mailto"} or ":" not in value
                )


def test_formatting_is_kept():
    html = render_markdown(
        "# Title\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ "
        "[link](https://example.org) ![alt text](/media/abc.png)"
    )
    assert "<h1>Title</h1>" in html
    assert "<li>one</li>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<s>gone</s>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener nofollow ugc"' in html
    assert '<img src="/media/abc.png" alt="alt text">' in html


def test_large_body_renders():
    html = render_markdown("word " * 200_000)
    assert html.startswith("<p>word")
