"""Forms of the accounts pages (CSRF-protected by Flask-WTF)."""

from flask_babel import lazy_gettext as _l
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
        _l("Title"),
        validators=[Optional(), Length(max=40)],
        description=_l("Dr, Prof, ... (optional)"),
    )
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    affiliation = StringField(
        _l("Affiliation / institution"), validators=[Optional(), Length(max=300)]
    )
    country = SelectField(_l("Country"), validators=[Optional()])


class SignUpForm(ProfileFieldsMixin, FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()], description=PASSWORD_RULE)
    password_again = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", _l("Passwords differ."))],
    )
    submit = SubmitField(_l("Create account"))


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    submit = SubmitField(_l("Save profile"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Email me a reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired()], description=PASSWORD_RULE
    )
    password_again = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", _l("Passwords differ."))],
    )
    submit = SubmitField(_l("Set new password"))


class ResendConfirmationForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send the confirmation link again"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"))
    submit = SubmitField(_l("Save roles"))
