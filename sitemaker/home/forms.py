"""Forms of the apex: accounts and new sites. Each error is shown next to its field."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from ..extensions import db
from ..models import Site
from ..services import accounts
from ..services.subdomains import subdomain_error


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class EmailField(StringField):
    """An address, normalized to its stored form when it validates."""

    def __init__(self, label: str = "Email", **kwargs):
        super().__init__(
            label,
            validators=[DataRequired("Enter your email address."), Length(max=320)],
            filters=[strip],
            render_kw={"type": "email", "autocomplete": "email"},
            **kwargs,
        )

    def pre_validate(self, form) -> None:
        if self.data:
            try:
                self.data = accounts.normalize_email(self.data)
            except ValueError as error:
                raise StopValidation(str(error)) from error


class NewPasswordField(PasswordField):
    def __init__(self, label: str = "Password", **kwargs):
        super().__init__(
            label,
            validators=[DataRequired("Choose a password.")],
            render_kw={"autocomplete": "new-password", "minlength": accounts.PASSWORD_MIN_CHARS},
            **kwargs,
        )

    def pre_validate(self, form) -> None:
        error = accounts.password_error(self.data or "")
        if self.data and error:
            raise StopValidation(error)


class SignupForm(FlaskForm):
    email = EmailField()
    password = NewPasswordField()

    def validate_email(self, field: EmailField) -> None:
        if accounts.find_user(field.data):
            raise ValidationError("An account with this email already exists. Sign in instead.")


class SigninForm(FlaskForm):
    # Not validated as an address: whatever was typed is looked up, lower-cased.
    email = StringField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=320)],
        filters=[strip],
        render_kw={"type": "email", "autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device")


class ResetRequestForm(FlaskForm):
    email = EmailField()


class NewPasswordForm(FlaskForm):
    password = NewPasswordField("New password")


class NewSiteForm(FlaskForm):
    subdomain = StringField(
        "Address",
        validators=[DataRequired("Choose an address."), Length(max=200)],
        filters=[strip],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 63},
    )
    title = StringField(
        "Title",
        validators=[DataRequired("Give your site a title."), Length(max=200)],
        filters=[strip],
    )

    def validate_subdomain(self, field: StringField) -> None:
        name = field.data
        # Only ASCII is lower-cased: str.lower() turns some non-ASCII letters (the Kelvin sign)
        # into ASCII ones, which would accept a name the person did not type.
        if name.isascii():
            name = name.lower()
        error = subdomain_error(name)
        if error:
            raise ValidationError(error)
        # Deleted sites keep their name until they are purged.
        if db.session.scalar(sa.select(Site.id).where(Site.subdomain == name)):
            raise ValidationError("That address is taken. Try another.")
        field.data = name

    def validate_title(self, field: StringField) -> None:
        if any(unicodedata.category(char) == "Cc" for char in field.data):
            raise ValidationError("Use letters, digits and punctuation only.")


class PostForm(FlaskForm):
    """A button that only needs CSRF protection (sign out, resend confirmation)."""
