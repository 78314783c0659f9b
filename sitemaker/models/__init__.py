"""The data model, a module per domain. Import models from here."""

from .accounts import RecoveryCode, UsedToken, User
from .analytics import (
    AnalyticsDay,
    AnalyticsPath,
    AnalyticsReferrer,
    AnalyticsSalt,
    AnalyticsVisitor,
)
from .audit import AuditLog
from .content import Page, PageRevision, PageTag, SlugRedirect
from .imports import ImportedKey
from .jobs import SentMail, Transfer
from .media import Media
from .sites import Invitation, Membership, Role, Site
from .subscribers import NewsletterDelivery, NewsletterSend, NewsletterSettings, Subscriber
from .tokens import ApiToken

__all__ = [
    "AnalyticsDay",
    "AnalyticsPath",
    "AnalyticsReferrer",
    "AnalyticsSalt",
    "AnalyticsVisitor",
    "ApiToken",
    "AuditLog",
    "ImportedKey",
    "Invitation",
    "Media",
    "Membership",
    "NewsletterDelivery",
    "NewsletterSend",
    "NewsletterSettings",
    "Page",
    "PageRevision",
    "PageTag",
    "RecoveryCode",
    "Role",
    "SentMail",
    "Site",
    "SlugRedirect",
    "Subscriber",
    "Transfer",
    "UsedToken",
    "User",
]
