"""Forms of the accounts pages (CSRF-protected by Flask-WTF)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conference.accounts.services import PASSWORD_RULE


class ProfileFieldsMixin:
    title = StringField(
        "Title", validators=[Optional(), Length(max=40)], description="Dr, Prof, ... (optional)"
    )
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    affiliation = StringField("Affiliation / institution", validators=[Optional(), Length(max=300)])
    country = SelectField("Country", validators=[Optional()])


class SignUpForm(ProfileFieldsMixin, FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()], description=PASSWORD_RULE)
    password_again = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Create account")


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    submit = SubmitField("Save profile")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me logged in on this device")
    submit = SubmitField("Log in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Email me a reset link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired()], description=PASSWORD_RULE)
    password_again = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Set new password")


class ResendConfirmationForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Send the confirmation link again")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RolesForm(FlaskForm):
    roles = MultiCheckboxField("Roles")
    submit = SubmitField("Save roles")
