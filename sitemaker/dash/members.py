"""People: who works on the site, invitations, roles, removal, ownership."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import Invitation, Membership, Role, User
from ..services import invitations
from ..services.permissions import Permission, can, requires
from . import bp


def _actor_role() -> str:
    return g.membership.role  # set by requires() via current_permissions()


def _membership_or_404(member_id: int) -> Membership:
    return db.first_or_404(
        sa.select(Membership).where(Membership.id == member_id, Membership.site_id == g.site.id)
    )


def _page(error: str | None = None, status: int = 200):
    site = g.site
    members = db.session.execute(
        sa.select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.site_id == site.id)
        .order_by(Membership.created_at, Membership.id)
    ).all()
    pending = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.site_id == site.id, Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    is_owner = _actor_role() == Role.OWNER
    roles = [r.value for r in invitations.INVITABLE if is_owner or r != Role.ADMIN]
    return render_template(
        "dash/members.html",
        site=site,
        members=members,
        pending=pending,
        roles=roles,
        is_owner=is_owner,
        can_transfer=can(Permission.DELETE_SITE),
        me=current_user.id,
        error=error,
        form=request.form,
    ), status


def _done(message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("dash.members"))


def _refused(error: invitations.MemberError):
    db.session.rollback()
    return _page(error.message, error.status)


@bp.route("/members")
@requires(Permission.MEMBERS)
def members():
    return _page()


@bp.route("/members/invite", methods=["POST"])
@requires(Permission.MEMBERS)
def invite_member():
    email = request.form.get("email", "")
    if not email.strip():
        return _page("Enter the email address of the person to invite.", 400)
    try:
        invitation, sent = invitations.invite(
            g.site, current_user, _actor_role(), email, request.form.get("role", "")
        )
    except invitations.MemberError as error:
        return _refused(error)
    if not sent:
        db.session.commit()
        flash(
            f"The invitation for {invitation.email} is saved, but the mail could not be sent. "
            "Try again later.",
            "error",
        )
        return redirect(url_for("dash.members"))
    return _done(f"Invitation sent to {invitation.email} as {invitation.role}.")


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@requires(Permission.MEMBERS)
def revoke_invitation(invitation_id: int):
    invitation = db.first_or_404(
        sa.select(Invitation).where(
            Invitation.id == invitation_id,
            Invitation.site_id == g.site.id,
            Invitation.accepted_at.is_(None),
        )
    )
    if invitation.role == Role.ADMIN and _actor_role() != Role.OWNER:
        return _page("Only the owner can withdraw an admin invitation.", 403)
    db.session.delete(invitation)
    return _done(f"Invitation for {invitation.email} withdrawn; its link no longer works.")


@bp.route("/members/<int:member_id>/role", methods=["POST"])
@requires(Permission.MEMBERS)
def change_role(member_id: int):
    target = _membership_or_404(member_id)
    try:
        invitations.change_role(
            g.site, current_user, _actor_role(), target, request.form.get("role", "")
        )
    except invitations.MemberError as error:
        return _refused(error)
    return _done(f"{target.user.email} is now {target.role}.")


@bp.route("/members/<int:member_id>/remove", methods=["POST"])
@requires(Permission.MEMBERS)
def remove_member(member_id: int):
    target = _membership_or_404(member_id)
    email = target.user.email
    try:
        invitations.remove(g.site, current_user, _actor_role(), target)
    except invitations.MemberError as error:
        return _refused(error)
    return _done(f"{email} no longer has access to this site.")


@bp.route("/members/<int:member_id>/transfer", methods=["POST"])
@requires(Permission.DELETE_SITE)
def transfer_ownership(member_id: int):
    target = _membership_or_404(member_id)
    try:
        invitations.transfer_ownership(g.site, current_user, g.membership, target)
    except invitations.MemberError as error:
        return _refused(error)
    return _done(f"{target.user.email} now owns this site; you are an admin.")
