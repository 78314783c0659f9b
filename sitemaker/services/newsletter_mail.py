"""The mail a subscriber receives for a post: a plain-text part and a simple HTML part, with
the RFC 8058 one-click unsubscribe headers. Links and images in the post become absolute on
the site's public host (its verified custom domain, else its subdomain); no CSS is sent, so
mail clients show the post in their own reading style."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

import nh3
from flask import current_app
from markupsafe import escape

from ..models import Page, Site
from .mail import header_address, one_line
from .subscribers import site_link

RELATIVE = re.compile(r'\b(href|src)="/(?!/)')
BLOCK_END = re.compile(r"</(p|h[1-6]|li|pre|blockquote|tr)>|<br\s*/?>", re.I)


@dataclass(frozen=True)
class PostMail:
    """What every message of one post shares, built once per batch."""

    site_title: str
    subject: str
    post_url: str
    text: str
    html: str
    host: str


def prepare(site: Site, page: Page) -> PostMail:
    base = site_link(site, "")
    post_url = site_link(site, f"/{page.slug}")
    absolute = RELATIVE.sub(lambda m: f'{m.group(1)}="{base}/', page.html)
    text = html_lib.unescape(nh3.clean(BLOCK_END.sub("\n\n", page.html), tags=set()))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return PostMail(
        site_title=one_line(site.title),
        subject=one_line(page.title),
        post_url=post_url,
        text=text,
        html=absolute,
        host=base.split("://", 1)[1],
    )


def build(post: PostMail, to: str, unsubscribe_url: str, message_id: str) -> EmailMessage:
    to = header_address(to)
    message = EmailMessage(policy=policy.default if to.isascii() else policy.SMTPUTF8)
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    local, _, domain = sender.partition("@")
    message["From"] = Address(post.site_title, local, domain)
    message["To"] = to
    message["Subject"] = post.subject
    message["Message-ID"] = f"<{message_id}@{post.host}>"
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(
        f"{post.subject}\n{post.post_url}\n\n{post.text}\n\n-- \n"
        f"You receive this because you subscribed to {post.site_title}.\n"
        f"Unsubscribe: {unsubscribe_url}\n"
    )
    message.add_alternative(
        f'<!doctype html><html><body><h1><a href="{escape(post.post_url)}">'
        f"{escape(post.subject)}</a></h1>\n{post.html}\n<hr><p>You receive this because you "
        f"subscribed to {escape(post.site_title)}. "
        f'<a href="{escape(unsubscribe_url)}">Unsubscribe</a></p></body></html>',
        subtype="html",
    )
    return message
