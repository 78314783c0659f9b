"""HTML bodies from other platforms become Markdown for the editor: WordPress block comments
and shortcodes go (their content stays), scripts, frames and styles are dropped, and
markdownify does the conversion. What it makes is rendered and sanitized like any page."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment
from markdownify import MarkdownConverter

# Gutenberg's block delimiters: <!-- wp:paragraph {"x":1} --> and <!-- /wp:paragraph -->.
BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
# Shortcodes WordPress itself ships; other [name]...[/name] pairs are found by their closer.
KNOWN_SHORTCODES = ("caption", "wp_caption", "gallery", "embed", "audio", "video", "playlist")
SHORTCODE = r"\[\[?/?{name}(?:\s[^\[\]]*)?/?\]\]?"
CLOSER = re.compile(r"\[/([A-Za-z][\w-]{0,40})\]")
# Any [name key="value" ...]: plugins' shortcodes; text in brackets never looks like this.
WITH_ATTRIBUTES = re.compile(
    r"\[[A-Za-z][\w-]{0,40}(?:\s+[\w-]+=(?:\"[^\"\]]*\"|'[^'\]]*'|[^\s\]]+))+\s*/?\]"
)
DROPPED_TAGS = ("script", "style", "iframe", "object", "embed", "noscript", "form", "link", "meta")
BLOCK_START = re.compile(
    r"\s*<(p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|img|dl|section|article)\b", re.I
)


def strip_shortcodes(text: str) -> str:
    """Shortcode tags out, what they enclose in: [caption]<img> A cat[/caption] -> <img> A cat."""
    names = set(KNOWN_SHORTCODES) | set(CLOSER.findall(text))
    for name in names:
        text = re.sub(SHORTCODE.format(name=re.escape(name)), "", text)
    return WITH_ATTRIBUTES.sub("", text)


def auto_paragraphs(html: str) -> str:
    """WordPress stores classic-editor text without <p>: blank lines are its paragraphs
    (wpautop adds them on display). Give them <p> so the conversion keeps them apart."""
    if re.search(r"<p[\s>]", html, re.I):
        return html
    blocks = [b.strip() for b in re.split(r"\n\s*\n", html) if b.strip()]
    return "\n".join(b if BLOCK_START.match(b) else f"<p>{b}</p>" for b in blocks)


class _Converter(MarkdownConverter):
    def convert_img(self, el, text, parent_tags):
        # Only http(s) and relative sources: a data: or javascript: image is dropped.
        src = (el.get("src") or "").strip()
        if re.match(r"[a-z][a-z0-9+.-]*:", src, re.I) and not src.lower().startswith(
            ("http:", "https:")
        ):
            return ""
        return super().convert_img(el, text, parent_tags)


def to_markdown(html: str | None, wordpress: bool = False) -> str:
    if not html:
        return ""
    if wordpress:
        html = auto_paragraphs(strip_shortcodes(BLOCK_COMMENT.sub("", html)))
    soup = BeautifulSoup(html, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(DROPPED_TAGS):
        tag.decompose()
    text = _Converter(heading_style="ATX", bullets="-", code_language="").convert_soup(soup)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def plain_text(html: str | None, limit: int) -> str:
    """An excerpt as one line of text (descriptions are plain text)."""
    if not html:
        return ""
    text = BeautifulSoup(strip_shortcodes(BLOCK_COMMENT.sub("", html)), "html.parser").get_text(" ")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
