"""Organizer forms for the institutions list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional


class InstitutionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=300)])
    aliases = TextAreaField(
        _l("Other spellings (one a line)"),
        description=_l("Translations, former names and acronyms authors write."),
    )
    country = StringField(_l("Country (two letters)"), validators=[Optional(), Length(max=2)])
    ror_id = StringField(_l("ROR id"), validators=[Optional(), Length(max=40)])
    submit = SubmitField(_l("Add institution"))


class AliasForm(FlaskForm):
    aliases = TextAreaField(_l("Other spellings (one a line)"))
    submit = SubmitField(_l("Add spellings"))


class MergeForm(FlaskForm):
    duplicates = SelectMultipleField(_l("Duplicates to fold into this institution"), coerce=int)
    submit = SubmitField(_l("Merge"))
