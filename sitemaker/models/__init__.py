"""The data model, a module per domain. Import models from here."""

from .accounts import RecoveryCode, UsedToken, User
from .audit import AuditLog
from .content import Page, PageRevision, PageTag, SlugRedirect
from .jobs import SentMail, Transfer
from .media import Media
from .sites import Invitation, Membership, Role, Site
from .tokens import ApiToken

__all__ = [
    "ApiToken",
    "AuditLog",
    "Invitation",
    "Media",
    "Membership",
    "Page",
    "PageRevision",
    "PageTag",
    "Role",
    "Site",
    "SlugRedirect",
    "UsedToken",
    "SentMail",
    "Transfer",
    "User",
]
__all__ += ["RecoveryCode"]
from .subscribers import (  # noqa: E402
    NewsletterDelivery,
    NewsletterSend,
    NewsletterSettings,
    Subscriber,
)

__all__ += ["NewsletterDelivery", "NewsletterSend", "NewsletterSettings", "Subscriber"]
