"""Bringing people onto a site: invitations by signed link, roles, removal and ownership.

Rules the views rely on (and the server enforces whatever the page shows):
- only an owner grants, changes or removes the admin role; nobody is invited as owner;
- ownership moves only by transfer, so a site always keeps an owner;
- an invitation link works once, for the invited address only.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, url_for

from ..extensions import db
from ..models import AuditLog, Invitation, Membership, Role, Site, User
from ..models.common import utcnow
from . import api_tokens, tokens
from .accounts import normalize_email
from .mail import send_mail

PURPOSE = "invitation"
INVITABLE = (Role.AUTHOR, Role.EDITOR, Role.ADMIN)


class MemberError(Exception):
    """A refused change; the message is for the person who asked."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def max_age() -> int:
    return int(current_app.config.get("INVITATION_MAX_AGE", 7 * 24 * 3600))


def normalise_email(raw: str) -> str:
    """The accounts' normalisation, so an invitation matches the account it is for."""
    try:
        return normalize_email(raw)
    except ValueError as error:
        raise MemberError(str(error)) from error


def check_role(role: str, actor_role: str) -> Role:
    if role not in {r.value for r in INVITABLE}:
        raise MemberError("Choose a role: author, editor or admin.")
    if role == Role.ADMIN and actor_role != Role.OWNER:
        raise MemberError("Only the owner can make someone an admin.", 403)
    return Role(role)


def audit(actor: User, action: str, site: Site, detail: str) -> None:
    db.session.add(
        AuditLog(
            actor_id=actor.id,
            actor_email=actor.email,
            action=action,
            target=f"site:{site.subdomain}",
            detail=detail,
        )
    )


def invite(
    site: Site, actor: User, actor_role: str, email: str, role: str
) -> tuple[Invitation, bool]:
    """Create (or renew) an invitation and mail its link. Returns it and whether mail went out.
    The caller commits."""
    address = normalise_email(email)
    wanted = check_role(role, actor_role)
    member = db.session.scalar(
        sa.select(Membership).join(User).where(Membership.site_id == site.id, User.email == address)
    )
    if member is not None:
        raise MemberError(f"{address} is already a member of this site ({member.role}).")
    invitation = db.session.scalar(
        sa.select(Invitation).where(
            Invitation.site_id == site.id,
            Invitation.email == address,
            Invitation.accepted_at.is_(None),
        )
    )
    if invitation is None:
        invitation = Invitation(site_id=site.id, email=address, role=wanted, invited_by_id=actor.id)
        db.session.add(invitation)
    else:
        invitation.role = wanted
        invitation.created_at = utcnow()
    db.session.flush()
    token = tokens.issue_token(
        PURPOSE, {"i": invitation.id, "s": site.id, "e": address}, single_use=True
    )
    link = url_for("home.invitation", token=token, _external=True)
    days = max_age() // 86400
    body = (
        f"{actor.email} invites you to work on {site.title} ({site.subdomain}) as {wanted}.\n\n"
        f"Accept the invitation:\n{link}\n\n"
        f"The link works once and expires in {days} days. If you did not expect this, ignore it."
    )
    sent = send_mail(address, f"Join {site.title} on sitemaker", body)
    audit(actor, "member.invite", site, f"{address} as {wanted}")
    return invitation, sent


def read_invitation(token: str) -> tuple[Invitation, dict]:
    """The pending invitation a link names, or MemberError saying why it cannot be used."""
    try:
        data = tokens.read_token(PURPOSE, token, max_age())
    except tokens.BadToken as error:
        raise MemberError(str(error)) from error
    invitation = (
        db.session.get(Invitation, data.get("i")) if isinstance(data.get("i"), int) else None
    )
    if (
        invitation is None
        or invitation.site_id != data.get("s")
        or invitation.email != data.get("e")
    ):
        raise MemberError("This invitation was withdrawn.", 410)
    if invitation.accepted_at is not None:
        raise MemberError("This invitation has already been accepted.", 410)
    if not invitation.site.is_active:
        raise MemberError("The site this invitation is for is no longer available.", 410)
    return invitation, data


def accept(invitation: Invitation, data: dict, user: User) -> Membership:
    """Join the site. Spends the token in the same transaction; the caller commits."""
    if user.email != invitation.email:
        raise MemberError(
            f"This invitation is for {invitation.email}, but you are signed in as {user.email}. "
            "Sign out and sign in with the invited address.",
            403,
        )
    try:
        tokens.spend_token(data, max_age())
    except tokens.BadToken as error:
        raise MemberError(str(error), 410) from error
    invitation.accepted_at = utcnow()
    member = db.session.scalar(
        sa.select(Membership).where(
            Membership.site_id == invitation.site_id, Membership.user_id == user.id
        )
    )
    if member is None:
        member = Membership(site_id=invitation.site_id, user_id=user.id, role=invitation.role)
        db.session.add(member)
    audit(user, "member.join", invitation.site, f"{user.email} as {member.role}")
    return member


def _guard(target: Membership, actor_role: str) -> None:
    if target.role == Role.OWNER:
        raise MemberError("The owner's role changes only by transferring ownership.", 403)
    if target.role == Role.ADMIN and actor_role != Role.OWNER:
        raise MemberError("Only the owner can change or remove an admin.", 403)


def change_role(site: Site, actor: User, actor_role: str, target: Membership, role: str) -> None:
    _guard(target, actor_role)
    wanted = check_role(role, actor_role)
    audit(actor, "member.role", site, f"{target.user.email}: {target.role} -> {wanted}")
    target.role = wanted


def remove(site: Site, actor: User, actor_role: str, target: Membership) -> None:
    if target.role == Role.OWNER:
        owners = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.site_id == site.id, Membership.role == Role.OWNER)
        )
        if owners <= 1:
            raise MemberError("The last owner cannot be removed. Transfer ownership first.")
        if actor_role != Role.OWNER:
            raise MemberError("Only an owner can remove an owner.", 403)
    elif target.user_id != actor.id:
        _guard(target, actor_role)
    audit(actor, "member.remove", site, target.user.email)
    # Their tokens end with the membership: revoked (kept, so the owner sees what existed),
    # and a later invitation brings the person back without them.
    api_tokens.revoke_all(site.id, target.user_id)
    db.session.delete(target)


def transfer_ownership(site: Site, actor: User, current: Membership, target: Membership) -> None:
    """The target becomes owner; the previous owner stays on as admin."""
    if target.id == current.id:
        raise MemberError("You already own this site.")
    if current.role != Role.OWNER:
        raise MemberError("Only the owner can transfer ownership.", 403)
    target.role = Role.OWNER
    current.role = Role.ADMIN
    audit(actor, "site.transfer", site, f"to {target.user.email}")
