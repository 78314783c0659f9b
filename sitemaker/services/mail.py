"""Outgoing mail. Callers queue a message with send_mail(); a background job (deliver_mail)
sends it. Without MAIL_SERVER, each message is written to MAIL_OUTBOX as an .eml file and its
text logged (development); with it, sent over SMTP.

Each queued message carries an idempotency key, recorded (SentMail) once the server has taken
it: a job run again after a crash finds its key and does not send twice. A server that is down
or answers 4xx makes the job fail and be retried with backoff; a 5xx refusal (a bad address)
ends it with the reason logged, since no retry would help.
"""

from __future__ import annotations

import smtplib
import ssl
import time
import unicodedata
import uuid
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

from ..extensions import db
from ..models import SentMail
from . import jobs


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
    """Queue a message; it is sent once the caller's transaction commits. Returns True (the
    message is queued; delivery failures are retried and logged, never raised here)."""
    jobs.enqueue(
        deliver_mail, to, subject, body, uuid.uuid4().hex, description=f"mail to {to}: {subject}"
    )
    return True


def deliver_mail(to: str, subject: str, body: str, key: str) -> None:
    """The job: send one message unless its key says it already went."""
    if db.session.get(SentMail, key) is not None:
        current_app.logger.info("mail %s to %s was already sent; not sending again", key, to)
        return
    message = build_message(to, subject, body)
    if deliver_message(message, key):
        db.session.add(SentMail(key=key))
        db.session.commit()


def deliver_message(message: EmailMessage, key: str) -> bool:
    """Send or write one message. True when it went; False (logged) when the server refused it
    for good; raises OSError or SMTPException for a failure worth retrying."""
    config = current_app.config
    to = message["To"]
    try:
        if config.get("MAIL_SERVER"):
            _send_smtp(message)
        else:
            _write_outbox(message)
            current_app.logger.info(
                "mail to %s: %s\n%s", to, message["Subject"], message.get_content()
            )
    except smtplib.SMTPNotSupportedError as error:
        # A Unicode local part to a server without SMTPUTF8: no retry can change that.
        current_app.logger.error("mail %s to %s not sent, not retried: %s", key, to, error)
        return False
    except smtplib.SMTPRecipientsRefused as error:
        current_app.logger.error("mail %s to %s refused, not retried: %s", key, to, error)
        return False
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            current_app.logger.error("mail %s to %s refused, not retried: %s", key, to, error)
            return False
        current_app.logger.warning("mail %s to %s failed, will retry: %s", key, to, error)
        raise
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("mail %s to %s failed, will retry: %s", key, to, error)
        raise
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
