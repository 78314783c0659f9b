"""What crawlers and feed readers read: Atom, sitemap, robots.txt. Built with ElementTree so
every title and body is escaped by the serializer, not by hand."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from flask import url_for

from ..extensions import db
from ..models import Page, PageTag, Site
from ..services.domains import site_url
from ..services.pages import visible

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_ENTRIES = 20
SITEMAP_LIMIT = 50_000  # the protocol's maximum per file


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def page_path(page: Page) -> str:
    return "/" if page.is_home else url_for("site.page", slug=page.slug)


def changed_at(page: Page) -> datetime:
    return max(m for m in (page.updated_at, page.published_at) if m is not None)


def atom_feed(site: Site, tag: str | None = None, tag_name: str | None = None) -> bytes:
    """The newest posts, or with `tag` the newest pages carrying that tag. The feed says its
    language in xml:lang (a page written in another language says so on its entry)."""
    query = visible(site.id)
    if tag is None:
        query = query.where(Page.kind == "post")
    else:
        query = query.join(PageTag, (PageTag.page_id == Page.id) & (PageTag.slug == tag))
    posts = db.session.scalars(
        query.order_by(Page.published_at.desc(), Page.id.desc()).limit(FEED_ENTRIES)
    ).all()
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: site.language or "en"})
    home = url_for("site.tag", slug=tag) if tag else "/"
    self_path = url_for("site.tag_feed", slug=tag) if tag else "/feed.xml"

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        element.text = text
        return element

    sub(feed, "title", f"{site.title}: {tag_name}" if tag else site.title)
    if site.tagline:
        sub(feed, "subtitle", site.tagline)
    sub(feed, "id", site_url(site, home))
    sub(feed, "link", rel="self", href=site_url(site, self_path))
    sub(feed, "link", rel="alternate", href=site_url(site, home))
    updated = max([changed_at(p) for p in posts] or [site.updated_at])
    sub(feed, "updated", _iso(updated))
    author = sub(feed, "author")
    sub(author, "name", site.title)
    for post in posts:
        url = site_url(site, page_path(post))
        entry = sub(feed, "entry")
        if post.language and post.language != site.language:
            entry.set(XML_LANG, post.language)
        sub(entry, "title", post.title)
        sub(entry, "id", url)
        sub(entry, "link", rel="alternate", href=url)
        sub(entry, "published", _iso(post.published_at))
        sub(entry, "updated", _iso(changed_at(post)))
        if post.description:
            sub(entry, "summary", post.description)
        sub(entry, "content", post.html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def sitemap_xml(site: Site) -> bytes:
    items = db.session.scalars(
        visible(site.id).order_by(Page.is_home.desc(), Page.id).limit(SITEMAP_LIMIT)
    ).all()
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    seen_home = False
    for item in items:
        if item.is_home:
            if seen_home:
                continue
            seen_home = True
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = site_url(site, page_path(item))
        ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = _iso(changed_at(item))
    if not seen_home:  # the listing front page
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = site_url(site, "/")
        ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = _iso(
            max([changed_at(i) for i in items] or [site.updated_at])
        )
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True)


def robots_txt(site: Site) -> str:
    if site.noindex:
        return "User-agent: *\nDisallow: /\n"
    return f"User-agent: *\nAllow: /\n\nSitemap: {site_url(site, '/sitemap.xml')}\n"
