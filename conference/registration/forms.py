"""Organizer form for professional categories."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        "Slug",
        validators=[Optional(), Length(max=120)],
        description="Used in URLs and the API; made from the name when empty.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    requires_proof = BooleanField("Needs proof of status (checked by an organizer)")
    proof_hint = StringField("What proof is asked for", validators=[Optional(), Length(max=300)])
    is_prescriber = BooleanField("Healthcare professional who may prescribe (shown on badge)")
    is_cme_eligible = BooleanField("Can earn CME credit")
    position = IntegerField("Order", validators=[Optional()])
    is_active = BooleanField("Open for registration", default=True)
    submit = SubmitField("Save category")
