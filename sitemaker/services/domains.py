"""Custom domains: a tenant names a domain, proves it owns it with a DNS TXT record, and from
then on visitors reach the site there. An unverified or unknown domain never serves a site.

A domain is reserved only once verified: any number of sites may claim it unverified (the
database's unique index covers verified domains only), so a squatter's claim can never keep
the real owner out. The first site to prove the TXT record wins, and the other unverified
claims on that name (and its www/apex partner) are dropped in the same transaction."""

from __future__ import annotations

import ipaddress
import re
import secrets

import dns.exception
import dns.nameserver
import dns.resolver
import sqlalchemy as sa
from flask import current_app, request
from flask.globals import request_ctx
from werkzeug.routing import MapAdapter

from ..extensions import db
from ..models import Site
from ..models.common import utcnow

TXT_PREFIX = "_sitemaker"
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class DomainError(ValueError):
    """A message for the tenant: why this domain cannot be used or verified."""


def normalize_domain(raw: str) -> str:
    """'  https://WWW.Example.com./ ' -> 'www.example.com', or DomainError saying why not."""
    text = (raw or "").strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/", 1)[0].rstrip(".")
    if not text:
        raise DomainError("Enter a domain name, like www.example.com.")
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise DomainError("That is not a valid domain name.") from error
    labels = text.split(".")
    if len(text) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(x) for x in labels):
        raise DomainError("That is not a valid domain name (letters, digits, hyphens and dots).")
    if labels[-1].isdigit() or _is_ip(text):
        raise DomainError("Use a domain name, not an IP address.")
    platform = platform_domain()
    if text == platform or text.endswith("." + platform):
        raise DomainError("Sites on this platform already have their own address here.")
    return text


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def platform_domain() -> str:
    return str(current_app.config.get("SERVER_NAME") or "").split(":")[0].lower()


def alternate(domain: str) -> str:
    """The other half of the www/apex pair the tenant attaches together."""
    return domain[4:] if domain.startswith("www.") else "www." + domain


def txt_name(domain: str) -> str:
    return f"{TXT_PREFIX}.{domain}"


def attach(site: Site, raw: str) -> str:
    """Name the site's domain (unverified until the TXT record checks out). The caller commits."""
    domain = normalize_domain(raw)
    if verified_elsewhere(site, domain):
        raise DomainError("That domain is already attached to another site.")
    if site.custom_domain != domain:
        was_live = site.domain_verified_at is not None
        site.custom_domain = domain
        site.domain_verified_at = None
        if was_live:
            site.bump_content_version()
    if not site.domain_token:
        site.domain_token = secrets.token_hex(16)
    return domain


def verified_elsewhere(site: Site, domain: str) -> bool:
    """Whether another site has proved this domain (or its www/apex partner) already."""
    return (
        db.session.scalar(
            sa.select(Site.id).where(
                Site.id != site.id,
                Site.custom_domain.in_([domain, alternate(domain)]),
                Site.domain_verified_at.is_not(None),
            )
        )
        is not None
    )


def drop_rival_claims(site: Site, domain: str) -> None:
    """The verified claim wins: other sites' unverified claims on the pair are removed."""
    db.session.execute(
        sa.update(Site)
        .where(
            Site.id != site.id,
            Site.custom_domain.in_([domain, alternate(domain)]),
            Site.domain_verified_at.is_(None),
        )
        .values(custom_domain=None)
        .execution_options(synchronize_session=False)
    )


def detach(site: Site) -> None:
    if site.domain_verified_at is not None:
        site.bump_content_version()
    site.custom_domain = None
    site.domain_verified_at = None


def resolver() -> dns.resolver.Resolver:
    """The system resolver, or the nameservers in DNS_NAMESERVERS ("ip" or "ip:port")."""
    configured = current_app.config.get("DNS_NAMESERVERS") or []
    if not configured:
        res = dns.resolver.Resolver()
    else:
        res = dns.resolver.Resolver(configure=False)
        servers = []
        for entry in configured:
            host, port = str(entry), 53
            if host.count(":") == 1:  # ip:port; a bare IPv6 address has several colons
                host, _, port_text = host.partition(":")
                port = int(port_text)
            servers.append(dns.nameserver.Do53Nameserver(host, port))
        res.nameservers = servers
    res.lifetime = float(current_app.config.get("DNS_TIMEOUT", 5.0))
    return res


def txt_values(name: str) -> list[str]:
    try:
        answer = resolver().resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as error:
        raise DomainError("The DNS servers did not answer; try again in a few minutes.") from error
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def verify(site: Site) -> None:
    """Activate the domain when `_sitemaker.<domain>` has the site's token; else DomainError.
    The caller commits."""
    if not site.custom_domain or not site.domain_token:
        raise DomainError("Attach a domain first.")
    values = txt_values(txt_name(site.custom_domain))
    if site.domain_token not in (v.strip() for v in values):
        found = f" (found: {', '.join(values)[:200]})" if values else ""
        raise DomainError(
            f"The TXT record {txt_name(site.custom_domain)} does not hold this site's token yet"
            f"{found}. DNS changes can take a while to appear."
        )
    if verified_elsewhere(site, site.custom_domain):
        raise DomainError("Another site has already verified this domain.")
    drop_rival_claims(site, site.custom_domain)
    site.domain_verified_at = utcnow()
    site.bump_content_version()


def host_name(host: str) -> str:
    """The domain a request's Host header names: no port, lower case, no root dot."""
    return host.split(":")[0].lower().rstrip(".")


def verified_site_for(host: str) -> tuple[Site | None, bool]:
    """(site, canonical) for a request host: the site whose verified domain is this host or its
    www/apex partner, and whether the host is the attached name itself."""
    name = host_name(host)
    if not name or "." not in name:
        return None, False
    site = db.session.scalar(
        sa.select(Site).where(
            Site.custom_domain.in_([name, alternate(name)]),
            Site.domain_verified_at.is_not(None),
        )
    )
    if site is None:
        return None, False
    return site, site.custom_domain == name


def public_host(site: Site) -> str:
    """Where visitors reach the site: its verified domain, else its subdomain."""
    if site.custom_domain and site.domain_verified_at is not None:
        return site.custom_domain
    return f"{site.subdomain}.{current_app.config['SERVER_NAME']}"


def site_url(site: Site, path: str = "/") -> str:
    """An absolute URL on the site's public host, for canonical links, feeds and sitemaps."""
    scheme = current_app.config.get("PREFERRED_URL_SCHEME") or request.scheme
    return f"{scheme}://{public_host(site)}{path}"


class CustomDomainAdapter(MapAdapter):
    """URL building for a request on a custom domain: the site's own rules build relative
    URLs, and external ones carry the custom host instead of <subdomain>.<SERVER_NAME>."""

    custom_host: str = ""

    def get_host(self, domain_part: str | None) -> str:
        if domain_part is None or domain_part == self.subdomain:
            return self.custom_host
        return super().get_host(domain_part)


def build_urls_on_custom_domain(site: Site) -> None:
    """Rebind this request's URL adapter as if it had come in on the tenant subdomain (so
    url_for sees the same subdomain and builds relative links), but naming the custom host."""
    current = request_ctx.url_adapter
    adapter = CustomDomainAdapter(
        current.map,
        current.server_name,
        current.script_name,
        site.subdomain,
        current.url_scheme,
        current.path_info,
        current.default_method,
        current.query_args,
    )
    adapter.custom_host = request.host
    request_ctx.url_adapter = adapter
