from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class SuspendForm(FlaskForm):
    reason = StringField(
        "Reason (shown to the site's visitors)",
        validators=[DataRequired(message="Give a reason."), Length(max=500)],
        filters=[lambda value: value.strip() if value else value],
    )


class ConfirmForm(FlaskForm):
    """A button that only needs CSRF protection."""


class QuotaForm(FlaskForm):
    max_pages = IntegerField(
        "Maximum pages (empty = default)",
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    max_megabytes = IntegerField(
        "Maximum storage in MB (empty = default)",
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
