"""Sending a batch of post mail over one SMTP connection, each message recorded exactly once.

A worker can die at any instant (SIGKILL, a lost machine). A message the server has taken but
the database does not know of would be sent again on the retry; one the database knows of but
the server never took would be skipped. SMTP gives one moment where the server decides: the
line "." that ends DATA (RFC 5321 4.1.1.4). So the delivery is recorded and *committed* after
the message body has gone out and before that last line: a worker killed before the commit
leaves the server holding an unfinished message, which it discards when the connection drops,
and the retry sends it; killed after the commit, the "." is one write away (the kernel still
delivers what was written before the process died). What remains is the instant between the
commit returning and that one write, instead of a whole SMTP round trip.

If the server then refuses the message, the record is corrected (bounced, or removed so a
retry sends it). No database transaction is open while talking to the server: each record is
its own short transaction.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from flask import current_app

STUFF_DOTS = re.compile(rb"(?m)^\.")


class Refused(Exception):
    """The server refused this recipient or message for good (5xx): a bounce."""


class Sender:
    """`with Sender() as sender: sender.send(message, record, undo)` for each message."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None
        self.envelope_from = parseaddr(self.config["MAIL_DEFAULT_SENDER"])[1]

    def __enter__(self) -> Sender:
        config = self.config
        if config.get("MAIL_SERVER"):
            timeout = float(config.get("MAIL_TIMEOUT", 10))
            self.smtp = smtplib.SMTP(
                config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=timeout
            )
            if config.get("MAIL_USE_TLS"):
                self.smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                self.smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            self.smtp.ehlo_or_helo_if_needed()
            # Small commands, each waiting for its reply: without this, Nagle's algorithm
            # holds the message's last line until the server acknowledges the body.
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    def __exit__(self, *exc) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()

    def send(self, message: EmailMessage, record: Callable[[], None], undo: Callable[[], None]):
        """Send one message; `record` commits its delivery at the point described above,
        `undo` removes that record when the server did not take the message after all.
        Raises Refused for a permanent refusal, OSError/SMTPException for what a retry may
        cure."""
        data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        if self.smtp is None:
            record()
            _write_outbox(data)
            return
        smtp, to = self.smtp, message["To"]
        options = [] if to.isascii() else ["SMTPUTF8", "BODY=8BITMIME"]
        self._expect(smtp.mail(self.envelope_from, options), (250,))
        self._expect(smtp.rcpt(to), (250, 251))
        self._expect(smtp.docmd("DATA"), (354,))
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        smtp.send(STUFF_DOTS.sub(b"..", data))
        record()
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException):
            undo()  # the server's answer is unknown: a retry sends it (at most once more)
            raise
        if code != 250:
            undo()
            self._raise(code, reply)

    def _expect(self, answer: tuple[int, bytes], good: tuple[int, ...]) -> None:
        code, reply = answer
        if code not in good:
            self.smtp.rset()
            self._raise(code, reply)

    @staticmethod
    def _raise(code: int, reply: bytes) -> None:
        text = reply.decode("utf-8", "replace")[:250]
        if 500 <= code < 600:
            raise Refused(f"{code} {text}")
        raise smtplib.SMTPResponseException(code, text)


def _write_outbox(data: bytes) -> None:
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / f"{time.time_ns()}.eml").write_bytes(data)
