"""Dash forms. Uniqueness and reserved names are checked by services.pages on save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

STATUSES = [SelectChoice("draft", "Draft"), SelectChoice("published", "Published")]
CSS_MAX_BYTES = 50 * 1024


def _strip(value: str | None) -> str | None:
    return _no_nul(value).strip() if isinstance(value, str) else value


def _no_nul(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; a stray one must not turn a save into an error."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class PageForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Give it a title."), Length(max=200)], filters=[_strip]
    )
    slug = StringField(
        "Slug",
        validators=[Optional(), Length(max=100)],
        filters=[_strip, lambda s: s.lower() if s else s],
        description="The address: /your-slug. Left empty, it is made from the title.",
    )
    body = TextAreaField("Text", default="", filters=[_no_nul])
    description = StringField(
        "Description",
        validators=[Length(max=300)],
        filters=[_strip],
        description="A sentence for search engines and link previews.",
    )
    status = SelectField("Status", choices=STATUSES, default="draft")
    published_at = DateTimeLocalField(
        "Publish at",  # the views name the zone: "Publish at (Asia/Tokyo)"
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        description="A future time schedules it.",
    )
    # The zone "Publish at" was shown in, so a save reads the time the way it was written.
    time_zone = HiddenField()
    is_home = BooleanField(
        "Use as the home page", description="Visitors see it at the site's address."
    )
    version = IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired("This form is damaged; reload the page and try again.")],
    )

    def validate_version(self, field: IntegerField) -> None:
        if field.data is None or not 0 <= field.data < 2**31:
            raise ValidationError("This form is damaged; reload the page and try again.")


class SettingsForm(FlaskForm):
    title = StringField(
        "Site title", validators=[DataRequired(), Length(max=200)], filters=[_strip]
    )
    tagline = StringField("Tagline", validators=[Length(max=300)], filters=[_strip])
    description = TextAreaField(
        "Description",
        validators=[Length(max=500)],
        filters=[_strip],
        description="Shown to search engines.",
    )
    theme = SelectField("Theme")
    noindex = BooleanField("Ask search engines not to index this site")
    custom_css = TextAreaField(
        "Custom CSS",
        default="",
        filters=[_no_nul],
        description="Served as its own stylesheet after the theme's.",
    )
    favicon = SelectField("Favicon", choices=[SelectChoice("", "None")], default="")

    def validate_custom_css(self, field: TextAreaField) -> None:
        size = len((field.data or "").encode())
        if size > CSS_MAX_BYTES:
            raise ValidationError(
                f"Custom CSS is {size / 1024:.0f} kB; the limit is {CSS_MAX_BYTES // 1024} kB."
            )


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons: the CSRF token is its only field."""


class AccountForm(FlaskForm):
    """The member's own preferences; choices are the IANA zones (services.timezones)."""

    time_zone = SelectField(
        "Time zone",
        description="The dashboard shows every time in it, and reads the times you type in it.",
    )
