"""Organizer forms for the institutions list."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional


class InstitutionForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=300)])
    aliases = TextAreaField(
        "Other spellings (one a line)",
        description="Translations, former names and acronyms authors write.",
    )
    country = StringField("Country (two letters)", validators=[Optional(), Length(max=2)])
    ror_id = StringField("ROR id", validators=[Optional(), Length(max=40)])
    submit = SubmitField("Add institution")


class AliasForm(FlaskForm):
    aliases = TextAreaField("Other spellings (one a line)")
    submit = SubmitField("Add spellings")


class MergeForm(FlaskForm):
    duplicates = SelectMultipleField("Duplicates to fold into this institution", coerce=int)
    submit = SubmitField("Merge")
