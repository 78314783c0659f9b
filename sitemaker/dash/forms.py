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
        "Title",
        validators=[DataRequired("Give it a title."), Length(max=200)],
        filters=[_strip],
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
    tags = StringField(
        "Tags",
        validators=[Length(max=2000)],
        filters=[_strip],
        description="Separated by commas, up to 20; each one lists its pages at /tag/<name>.",
    )
    social_image = SelectField(
        "Link preview image",
        choices=[SelectChoice("", "The first image in the text")],
        default="",
        validate_choice=False,  # checked against this site's images when saved
        description="What a shared link shows; without one, the site's image.",
    )
    language = StringField(
        "Language of this page",
        validators=[Optional(), Length(max=35)],
        filters=[_strip],
        description="Only when it differs from the site's, e.g. fr or ar.",
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

    def validate_language(self, field: StringField) -> None:
        from ..services.language import normalize

        if field.data:
            tag = normalize(field.data)
            if tag is None:
                raise ValidationError(f"“{field.data[:40]}” is not a language tag we know.")
            field.data = tag

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
    language = StringField(
        "Language",
        validators=[DataRequired("Give the site's language, e.g. en, fr, ar or pt-BR.")],
        filters=[_strip],
        description="A language tag (BCP 47): en, fr, de-CH, ar, he, pt-BR… Dates and "
        "right-to-left layout follow it.",
    )
    posts_per_page = IntegerField(
        "Posts per page",
        description="How many posts the blog index and tag pages show at a time.",
    )
    blog_path = StringField(
        "Blog address",
        validators=[DataRequired("Give the blog index an address, e.g. blog.")],
        filters=[_strip, lambda s: s.lower().strip("/") if s else s],
        description="Where the list of posts lives when a home page takes the front: /blog.",
    )
    social_image = SelectField(
        "Link preview image",
        choices=[SelectChoice("", "None")],
        default="",
        description="Shown when a link to a page without its own image is shared.",
    )

    def validate_language(self, field: StringField) -> None:
        from ..services.language import normalize

        tag = normalize(field.data)
        if tag is None:
            raise ValidationError(
                f"“{(field.data or '')[:40]}” is not a language tag we know; try en, fr, ar, pt-BR."
            )
        field.data = tag

    def validate_posts_per_page(self, field: IntegerField) -> None:
        if field.data is None or not 1 <= field.data <= 100:
            raise ValidationError("Give a number from 1 to 100.")

    def validate_blog_path(self, field: StringField) -> None:
        from ..services.pages import slug_error

        problem = slug_error(field.data or "")
        if problem:
            raise ValidationError(problem)

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
