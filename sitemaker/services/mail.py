"""Outgoing mail. Without MAIL_SERVER, each message is written to MAIL_OUTBOX as an .eml file
and its text logged (development); with it, sent over SMTP. A failure is logged and reported
as False, never raised: no caller may lose a user's data because mail is down."""

from __future__ import annotations

import smtplib
import ssl
import time
import unicodedata
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app


def header_address(address: str) -> str:
    """An address as a header and an SMTP envelope carry it: the domain in its ASCII (IDNA)
    form, so only a non-ASCII local part needs SMTPUTF8."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def one_line(text: str) -> str:
    """Header text without control characters (a CR/LF would end the header)."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    to = header_address(to)
    # A non-ASCII local part can only travel as UTF-8 (RFC 6531): smtplib then asks the
    # server for SMTPUTF8, and refuses (a logged failure) when it does not offer it.
    message = EmailMessage(policy=policy.default if to.isascii() else policy.SMTPUTF8)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = one_line(subject)
    message["Message-ID"] = make_msgid(domain="sitemaker")
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str) -> bool:
    config = current_app.config
    message = build_message(to, subject, body)
    try:
        if config.get("MAIL_SERVER"):
            _send_smtp(message)
        else:
            _write_outbox(message)
            current_app.logger.info("mail to %s: %s\n%s", to, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("mail to %s failed: %s", to, error)
        return False
    return True


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    timeout = float(config.get("MAIL_TIMEOUT", 10))
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=timeout) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def _write_outbox(message: EmailMessage) -> None:
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}.eml"
    (outbox / name).write_bytes(bytes(message))
