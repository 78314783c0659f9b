"""What a tenant subdomain may be. The one place that knows the reserved names."""

from __future__ import annotations

import re

# Names that belong to the platform, its mail, or that visitors would mistake for it.
RESERVED = frozenset(
    """
    www www1 www2 admin administrator api app apps assets auth billing blog cdn dash dashboard
    dev docs email ftp help imap info login logout mail media mx news ns ns1 ns2 ops pop pop3
    root security signin signout signup smtp stage staging static stats status support sysadmin
    system test tls webmail webmaster sitemaker
    """.split()
)

# Lower-case letters, digits and inner hyphens; 3-63 characters.
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]")


def subdomain_error(name: str) -> str | None:
    """Why `name` cannot be a new tenant's subdomain, or None when it can."""
    if not 3 <= len(name) <= 63:
        return "Use between 3 and 63 characters."
    if not name.isascii() or not _LABEL.fullmatch(name):
        return (
            "Use lower-case letters a-z, digits and hyphens only; "
            "it cannot start or end with a hyphen."
        )
    if name.isdigit():
        return "Use at least one letter."
    if name[2:4] == "--":
        return "Names with '--' in the third and fourth places are reserved for DNS."
    if name in RESERVED:
        return "That name is reserved."
    return None


def could_be_subdomain(name: str) -> bool:
    """A cheap shape check for lookups: anything else cannot be a tenant, so skip the query."""
    return 3 <= len(name) <= 63 and _LABEL.fullmatch(name) is not None
