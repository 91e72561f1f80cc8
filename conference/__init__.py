"""The congress management application: create_app binds extensions and blueprints."""

from __future__ import annotations

import logging
import os
from datetime import UTC

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from conference.congresses.routing import CongressFlask
from conference.models import MAX_DB_INT
from config import BASE_DIR, CONFIGS, ProductionConfig

#: Domains that add links to the navigation, home page and dashboard, through the templates
#: templates/_parts/<domain>_nav.html, _nav_organizer.html, _home_actions.html, _dashboard.html.
DOMAIN_PARTS = (
    "abstracts",
    "registration",
    "program",
    "institutions",
    "money",
    "congresses",
    "mailings",
    "cme",
    "industry",
)


#: Keys of `g` that hold per-request caches (cleared when a request starts).
REQUEST_CACHED = ("congress", "api_user", "_login_user", "_flask_babel")


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` URL parts: a number too large for an INTEGER column becomes 0, an id that
    never exists, so the view answers 404 as for any unknown id. (Refusing the match instead
    makes Werkzeug answer 405 where another method's rule has the same path.)"""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_DB_INT else 0


def create_app(config: str | type | None = None) -> Flask:
    """Build the app for a config name or class (default: FLASK_CONFIG, else development)."""
    if config is None:
        config = os.environ.get("FLASK_CONFIG", "development")
    config_class = CONFIGS[config] if isinstance(config, str) else config
    if issubclass(config_class, ProductionConfig):
        config_class.check()

    app = CongressFlask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config_class)
    if app.config["TRUST_PROXY_HEADERS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("conference").setLevel(logging.WARNING if app.testing else logging.INFO)

    # Before any route: ids beyond a database INTEGER are a 404, not an overflow in the query.
    app.url_map.converters["int"] = DatabaseIntConverter
    _init_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_template_helpers(app)

    from conference.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from conference import model_registry, sqlite  # noqa: F401
    from conference.accounts.models import User
    from conference.extensions import csrf, db, limiter, login_manager, mail, migrate
    from conference.security import drop_nul_characters, set_cache_control, set_security_headers

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from conference.i18n import init_app as init_languages

    init_languages(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        raw_id = user_id.partition(":")[0]
        if not raw_id.isdigit():
            return None
        user = db.session.get(User, int(raw_id))
        if user is None or not user.is_session_id_current(user_id):
            return None
        return user

    app.after_request(set_security_headers)
    app.after_request(set_cache_control)
    app.before_request(drop_nul_characters)

    @app.before_request
    def _fresh_request_cache():
        # Values cached on `g` belong to one request, even where an app context outlives it.
        for key in REQUEST_CACHED:
            g.pop(key, None)


def _register_blueprints(app: Flask) -> None:
    from conference.abstracts.views import bp as abstracts_bp
    from conference.accounts.views import bp as accounts_bp
    from conference.admin.views import bp as admin_bp
    from conference.api import init_api
    from conference.cme.views import bp as cme_bp
    from conference.congresses.routing import init_app as init_routing
    from conference.congresses.views import bp as congresses_bp
    from conference.industry.views import bp as industry_bp
    from conference.institutions.views import bp as institutions_bp
    from conference.mailings.views import bp as mailings_bp
    from conference.money.views import bp as money_bp
    from conference.program.views import bp as program_bp
    from conference.registration.views import bp as registration_bp

    init_routing(app)
    for blueprint in (
        program_bp,
        accounts_bp,
        admin_bp,
        registration_bp,
        abstracts_bp,
        institutions_bp,
        money_bp,
        congresses_bp,
        mailings_bp,
        cme_bp,
        industry_bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_errors(app: Flask) -> None:
    from sqlalchemy.exc import IntegrityError

    from conference import integrity
    from conference.api.errors import error_body
    from conference.errors import Conflict, DomainError
    from conference.extensions import db

    # Unique violations become Conflict errors naming the field, wherever they happen.
    integrity.install()

    def logged_path() -> str:
        """The route pattern, not the path: private tokens in URLs never reach the logs."""
        return request.url_rule.rule if request.url_rule else request.path

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if wants_json():
            data = getattr(exc, "data", None) or {}
            custom = exc.description if exc.description != type(exc).description else None
            return error_body(exc.code or 500, message=data.get("message") or custom, exc=exc)
        template = f"errors/{exc.code}.html"
        try:
            return render_template(template, error=exc), exc.code
        except Exception:
            return render_template("errors/generic.html", error=exc), exc.code

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        if wants_json():
            return error_body(
                exc.status, code=exc.code, message=exc.message, fields=exc.fields, **exc.extra
            )
        return render_template("errors/generic.html", error=exc), exc.status

    @app.errorhandler(IntegrityError)
    def integrity_error(exc: IntegrityError):
        """The one handler for what the database refused and no pre-check caught."""
        db.session.rollback()
        app.logger.warning("Integrity error on %s: %s", logged_path(), type(exc.orig).__name__)
        return domain_error(
            integrity.duplicate_from(exc)
            or Conflict(
                "The change conflicts with data that changed meanwhile; reload and try again.",
                code="integrity_error",
            )
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        db.session.rollback()
        app.logger.exception("Unhandled error on %s", logged_path())
        if wants_json():
            return error_body(500, message="Something went wrong on our side.")
        return render_template("errors/500.html"), 500

    @app.route("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.route("/accessibility")
    def accessibility():
        """The accessibility statement: what conforms, what does not yet, how to report."""
        return render_template("accessibility.html")

    @app.route("/favicon.ico")
    def favicon():
        """Browsers ask for /favicon.ico whatever the page links: answer with the SVG icon."""
        from flask import send_from_directory

        return send_from_directory(
            app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400
        )


def _register_template_helpers(app: Flask) -> None:
    from flask_login import current_user

    from conference.accounts.models import Role
    from conference.countries import country_name
    from conference.i18n import format_when
    from conference.labels import register_filters
    from conference.program.queries import get_current_congress

    @app.context_processor
    def inject_globals():
        return {
            "congress": get_current_congress(),
            "Role": Role,
            "current_user": current_user,
            "DOMAIN_PARTS": DOMAIN_PARTS,
        }

    register_filters(app)

    @app.template_filter("local")
    def local_filter(value, fmt="%a %d %b %Y, %H:%M"):
        """Format a UTC datetime in the congress time zone, in the reader's language."""
        if value is None:
            return ""
        congress = get_current_congress()
        if congress is None:
            return format_when(value, fmt + " UTC", tz=UTC)
        return format_when(value, fmt, tz=congress.tz)

    @app.template_filter("dict_without_page")
    def dict_without_page(args: dict) -> dict:
        return {key: value for key, value in args.items() if key != "page"}

    @app.template_filter("country")
    def country_filter(code):
        return country_name(code or "")
