"""The development mailbox: what the app "sent" while MAIL_SERVER is unset, read from the
.eml files in MAIL_OUTBOX, newest first, each with clickable links. Everything shown comes
from mail bodies that may quote user input, so it is rendered as escaped text; only http(s)
addresses become links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import abort, current_app, render_template

from . import bp

# The names services/mail.py gives outbox files: nanoseconds since the epoch.
MAIL_NAME = re.compile(r"\d{1,24}\.eml")
LINK = re.compile(r"https?://[^\s<>\"'()]+[^\s<>\"'().,;:!?]")
LISTED = 200


@dataclass
class Mail:
    name: str
    sent_at: datetime
    to: str
    subject: str
    message: EmailMessage

    def text(self) -> str:
        part = self.message.get_body(("plain", "html"))
        return part.get_content() if part is not None else ""

    def pieces(self) -> list[tuple[str, bool]]:
        """The text cut into (text, is_link) pieces for the template to escape and link."""
        text, pieces, at = self.text(), [], 0
        for match in LINK.finditer(text):
            pieces.append((text[at : match.start()], False))
            pieces.append((match.group(0), True))
            at = match.end()
        pieces.append((text[at:], False))
        return [piece for piece in pieces if piece[0]]


def outbox() -> Path:
    return Path(current_app.config["MAIL_OUTBOX"])


def read_mail(path: Path) -> Mail:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    sent_at = datetime.fromtimestamp(int(path.stem) / 1e9, tz=UTC)
    return Mail(path.name, sent_at, str(message["To"] or ""), str(message["Subject"] or ""),
                message)  # fmt: skip


def newest_mails(limit: int = LISTED) -> list[Mail]:
    folder = outbox()
    if not folder.is_dir():
        return []
    names = sorted(
        (p for p in folder.iterdir() if MAIL_NAME.fullmatch(p.name)),
        key=lambda p: int(p.stem),
        reverse=True,
    )
    return [read_mail(p) for p in names[:limit]]


@bp.route("/mail")
def mail_list():
    return render_template("devtools/mail.html", mails=newest_mails(), outbox=outbox())


@bp.route("/mail/<name>")
def mail_message(name: str):
    path = outbox() / name
    if not MAIL_NAME.fullmatch(name) or not path.is_file():
        abort(404, "No such message in the outbox.")
    return render_template("devtools/message.html", mail=read_mail(path))
