"""Account pages: sign-up, confirmation, login, logout, password reset, profile, roles."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from conference.accounts import services
from conference.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    RolesForm,
    SignUpForm,
)
from conference.accounts.models import ROLE_LABELS, Role, User
from conference.accounts.queries import users_query
from conference.countries import country_choices
from conference.errors import DomainError, NotAllowed
from conference.extensions import db
from conference.models import db_int
from conference.security import organizer_required, password_check_limit, signup_limit
from conference.urls import local_path
from conference.webforms import show_domain_error

bp = Blueprint("accounts", __name__)


def _fill_profile_choices(form) -> None:
    form.country.choices = [("", "—"), *country_choices()]


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("congresses.index")


@bp.route("/signup", methods=["GET", "POST"])
@signup_limit
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("congresses.index"))
    form = SignUpForm()
    _fill_profile_choices(form)
    if form.validate_on_submit():
        try:
            services.register_account(
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
                title=form.title.data,
                affiliation=form.affiliation.data,
                country=form.country.data,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            # The same page whether or not the address already had an account (no enumeration).
            email = services.normalize_email(form.email.data)
            return render_template("accounts/check_email.html", email=email)
    return render_template("accounts/signup.html", form=form)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@password_check_limit
def confirm_email(token: str):
    """GET shows a button; only its POST confirms (mail scanners follow links, never forms)."""
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            user = services.confirm_email(token)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            return _dead_confirmation_link(exc.message)
        flash(
            _("Thank you: %(email)s is confirmed. You can log in now.", email=user.email), "success"
        )
        return redirect(url_for("accounts.login"))
    try:
        services.check_confirmation_token(token)
    except DomainError as exc:
        return _dead_confirmation_link(exc.message)
    return render_template("accounts/confirm_email.html", form=form)


def _dead_confirmation_link(problem: str):
    """410 with the form that sends a new confirmation link (never a bare error)."""
    return render_template(
        "errors/dead_link.html",
        heading=_("This confirmation link no longer works"),
        problem=problem,
        remedy=_(
            "Enter the address you signed up with and we will email you a new link. "
            "Only the newest link works, for a limited time."
        ),
        form=ResendConfirmationForm(),
        action=url_for("accounts.resend_confirmation"),
        help=_("Already confirmed? Just log in."),
    ), 410


@bp.route("/confirm", methods=["GET", "POST"])
@password_check_limit
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        user = services.get_user_by_email(form.email.data)
        if user is not None and not user.is_confirmed:
            services.send_confirmation(user)
            db.session.commit()
        flash(
            _(
                "If that address has an unconfirmed account, a new link is on its way.",
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/resend_confirmation.html", form=form)


#: Marks a browser that signed in before: the account lockout does not apply to it.
DEVICE_COOKIE = "login_device"


@bp.route("/login", methods=["GET", "POST"])
@password_check_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("congresses.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data,
                form.password.data,
                device_token=request.cookies.get(DEVICE_COOKIE),
            )
        except NotAllowed as exc:
            db.session.rollback()
            form.password.errors = [exc.message]
            if exc.code == "unconfirmed":
                flash(_("Didn't get the email? Ask for a new confirmation link below."), "info")
            if exc.code == "account_locked":
                return render_template("accounts/login.html", form=form), exc.status
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(display_name)s.", display_name=user.display_name), "success")
            response = redirect(_safe_next(request.args.get("next")))
            response.set_cookie(
                DEVICE_COOKIE,
                services.issue_device_token(user),
                max_age=services.DEVICE_DAYS * 86400,
                secure=current_app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
            return response
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("congresses.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@password_check_limit
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses that address, we have emailed it a reset link."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@password_check_limit
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except DomainError as exc:
        return render_template(
            "errors/dead_link.html",
            heading=_("This password reset link no longer works"),
            problem=exc.message,
            remedy=_(
                "Enter your address and we will email you a new reset link. "
                "A link works once, for a limited time."
            ),
            form=ForgotPasswordForm(),
            action=url_for("accounts.forgot_password"),
        ), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            logout_user()
            flash(_("Your password is changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    _fill_profile_choices(form)
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                name=form.name.data,
                title=form.title.data,
                affiliation=form.affiliation.data,
                country=form.country.data,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Profile saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html",
        form=form,
        tokens=services.get_active_api_tokens(current_user),
        token_form=FlaskForm(),
    )


@bp.route("/profile/tokens", methods=["POST"])
@login_required
def create_token():
    if not FlaskForm().validate_on_submit():
        abort(400)
    raw, _token = services.issue_api_token(current_user)
    db.session.commit()
    flash("Your new API token (shown only now; copy it): " + raw, "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        services.revoke_api_token(current_user, token_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(_("The token is revoked."), "info")
    return redirect(url_for("accounts.profile"))


# -- organizer: users and roles --------------------------------------------------------------------


@bp.route("/manage/users")
@organizer_required
def users():
    query_text = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    page = max(request.args.get("page", 1, type=db_int), 1)
    query = users_query(query_text, role)
    pagination = db.paginate(query, page=page, per_page=50, error_out=False)
    return render_template(
        "accounts/users.html",
        pagination=pagination,
        q=query_text,
        role=role,
        role_labels=ROLE_LABELS,
    )


@bp.route("/manage/users/<int:user_id>", methods=["GET", "POST"])
@organizer_required
def edit_roles(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RolesForm()
    form.roles.choices = [(role.value, ROLE_LABELS[role]) for role in Role]
    if request.method == "GET":
        form.roles.data = sorted(role.value for role in user.role_names)
    if form.validate_on_submit():
        try:
            services.set_roles(
                # No box ticked submits nothing: an attendee with no roles.
                user,
                set(form.roles.data or []),
                actor=current_user,
            )
            db.session.commit()
        except NotAllowed as exc:
            db.session.rollback()
            abort(403, exc.message)
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Roles of %(display_name)s saved.", display_name=user.display_name), "success")
            return redirect(url_for("accounts.users"))
    return render_template(
        "accounts/edit_roles.html", form=form, user=user, account_form=FlaskForm()
    )


def _set_active(user_id: int, active: bool):
    user = db.get_or_404(User, user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        services.set_account_active(user, active, actor=current_user)
        db.session.commit()
    except NotAllowed as exc:
        db.session.rollback()
        abort(403, exc.message)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        if active:
            flash(
                _(
                    "The account of %(display_name)s is enabled again.",
                    display_name=user.display_name,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "The account of %(display_name)s is disabled: its sessions and API "
                    "tokens no longer work.",
                    display_name=user.display_name,
                ),
                "success",
            )
    return redirect(url_for("accounts.edit_roles", user_id=user.id))


@bp.route("/manage/users/<int:user_id>/disable", methods=["POST"])
@organizer_required
def disable_account(user_id: int):
    return _set_active(user_id, False)


@bp.route("/manage/users/<int:user_id>/enable", methods=["POST"])
@organizer_required
def enable_account(user_id: int):
    return _set_active(user_id, True)
