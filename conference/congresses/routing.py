"""Congress-scoped URLs: `/<slug>/...` for pages, `/api/v1/congresses/<slug>/...` for the API.

Every route is declared once, by its domain, with its old single-congress path (`/program`,
`/manage/abstracts`, `/api/v1/abstracts`). `CongressFlask.add_url_rule` gives each route that
belongs to a congress two rules under the same endpoint:

- the scoped rule, first, so `url_for` builds it: `/<congress>/program`,
  `/api/v1/congresses/<congress>/abstracts`;
- the old path, kept so links already out in the world keep working: a page answers with a
  permanent redirect to the congress the link belongs to (a registration's manage link to its
  registration's congress, an agenda feed to its agenda's, anything else to the default
  congress); the API answers for the default congress, with `Deprecation`, `Sunset` and a
  `Link` to the new path.

Views never see the slug: `url_value_preprocessor` takes it out of the view arguments and
makes that congress current (`conference.congresses.context`), and `url_defaults` puts the
current congress back into every `url_for` of a scoped endpoint. Routes of the site itself
(login, profile, language, the list of congresses, static files) stay global.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

from flask import Flask, abort, g, request, url_for
from werkzeug.routing import BaseConverter, ValidationError

from conference.congresses import context

#: Endpoints that belong to the site, not to one congress.
GLOBAL_ENDPOINTS = frozenset(
    {
        "congresses.index",
        "congresses.archive",
        "institutions.search",
        "accounts.login",
        "accounts.logout",
        "accounts.signup",
        "accounts.resend_confirmation",
        "accounts.confirm_email",
        "accounts.forgot_password",
        "accounts.reset_password",
        "accounts.profile",
        "accounts.create_token",
        "accounts.revoke_token",
        "admin.congresses",
        "admin.new_congress",
        "admin.archive_congress",
    }
)
#: API blueprints (and endpoints) that belong to the site: tokens, the documents, the list.
GLOBAL_API_BLUEPRINTS = frozenset({"api_auth", "api-docs", "api_congresses"})

API_PREFIX = "/api/v1"
#: When the single-congress API paths were deprecated, and when they stop answering.
API_DEPRECATED_AT = datetime(2026, 12, 3, tzinfo=UTC)
API_SUNSET_AT = datetime(2027, 12, 31, tzinfo=UTC)

#: Resolvers of the congress an old link belongs to: endpoint (or "*" for any) and the name
#: of a view argument -> function(value) returning the congress or None.
_legacy_resolvers: dict[tuple[str, str], Callable] = {}


def legacy_congress_resolver(argument: str, *, endpoint: str = "*"):
    """Register how an old URL's view argument tells its congress (decorator)."""

    def register(function: Callable) -> Callable:
        _legacy_resolvers[(endpoint, argument)] = function
        return function

    return register


class CongressConverter(BaseConverter):
    """`<congress:congress>`: the slug of an existing congress (else the path is a 404)."""

    regex = r"[a-z0-9][a-z0-9-]{0,39}"

    def to_python(self, value: str) -> str:
        congress = context.get_congress_by_slug(value)
        if congress is None:
            raise ValidationError()
        g.routed_congress = congress
        return value

    def to_url(self, value) -> str:
        return getattr(value, "slug", value)


def route_scope(endpoint: str | None, rule: str) -> str:
    """ "global", "page" (a congress page) or "api" (a congress API resource).

    Routes of the domains' blueprints belong to a congress unless listed as global; routes of
    the app itself (health check, API documents) are global.
    """
    if not endpoint or endpoint in GLOBAL_ENDPOINTS or "." not in endpoint:
        return "global"
    blueprint = endpoint.partition(".")[0]
    if rule.startswith(API_PREFIX + "/") or rule == API_PREFIX:
        return "global" if blueprint in GLOBAL_API_BLUEPRINTS else "api"
    return "page"


class CongressFlask(Flask):
    """Flask whose routes that belong to a congress get a scoped rule and their old path."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.url_map.converters["congress"] = CongressConverter
        #: Endpoints that belong to a congress (their rules take `congress`).
        self.scoped_endpoints: set[str] = set()

    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        if endpoint is None and view_func is not None:
            endpoint = view_func.__name__
        scope = route_scope(endpoint, rule)
        if scope == "global":
            return super().add_url_rule(rule, endpoint, view_func, **options)
        if scope == "api":
            scoped = API_PREFIX + "/congresses/<congress:congress>" + rule[len(API_PREFIX) :]
        else:
            scoped = "/<congress:congress>" + rule
        self.scoped_endpoints.add(endpoint)
        if rule == "/":
            # /met26 is the congress's home too; an unknown /word stays a 404, not a redirect.
            options["strict_slashes"] = False
        super().add_url_rule(scoped, endpoint, view_func, **options)
        if rule == "/":
            return None  # the site's home lists the congresses; no old path to keep
        return super().add_url_rule(rule, endpoint, view_func, **options)


def _is_old_path() -> bool:
    rule = request.url_rule
    return (
        rule is not None and request.endpoint in _app_scoped() and "congress" not in rule.arguments
    )


def _app_scoped() -> set[str]:
    from flask import current_app

    return getattr(current_app, "scoped_endpoints", set())


def congress_of_old_link(endpoint: str, values: dict):
    """The congress an old single-congress URL belongs to (default: the default congress)."""
    for name, value in values.items():
        resolver = _legacy_resolvers.get((endpoint, name)) or _legacy_resolvers.get(("*", name))
        if resolver is not None:
            congress = resolver(value)
            if congress is not None:
                return congress
    return context.default_congress()


def init_app(app: CongressFlask) -> None:
    @app.url_value_preprocessor
    def _take_congress(endpoint, values):
        routed = g.pop("routed_congress", None)
        if values and "congress" in values:
            values.pop("congress")
            context.enter(routed)
        else:
            context.enter(None)
        g.congress_from_url = True

    @app.url_defaults
    def _give_congress(endpoint, values):
        if "congress" in values or endpoint not in app.scoped_endpoints:
            return
        congress = context.get_current_congress()
        if congress is not None:
            values["congress"] = congress.slug

    @app.before_request
    def _old_paths_and_archives():
        if _is_old_path():
            values = dict(request.view_args or {})
            congress = congress_of_old_link(request.endpoint, values)
            if congress is None:
                abort(404)
            if request.path.startswith(API_PREFIX + "/"):
                context.enter(congress)
                g.congress_from_url = True
                g.deprecated_api_path = url_for(request.endpoint, congress=congress, **values)
            else:
                target = url_for(request.endpoint, congress=congress, **values)
                if request.query_string:
                    target += "?" + request.query_string.decode("latin-1")
                from flask import redirect

                # 308 keeps the method and body of a form posted to an old address.
                code = 301 if request.method in ("GET", "HEAD") else 308
                return redirect(target, code=code)
        congress = g.get("scoped_congress")
        if (
            congress is not None
            and congress.is_archived
            and request.method not in ("GET", "HEAD", "OPTIONS")
        ):
            from flask_babel import gettext as _

            from conference.errors import NotAllowed

            raise NotAllowed(
                _(
                    "%(congress)s is archived: it can be read but no longer changed.",
                    congress=congress.short_name,
                ),
                code="congress_archived",
            )
        return None

    @app.teardown_request
    def _leave_congress(_exc):
        # An app context can outlive the request (tests, commands): the URL's congress
        # must not stay current after it. (A request context made by code, such as a
        # test_request_context inside a job, leaves the job's congress alone.)
        if g.pop("congress_from_url", False):
            g.pop("scoped_congress", None)
            g.pop("congress", None)

    @app.after_request
    def _deprecation_headers(response):
        successor = g.pop("deprecated_api_path", None)
        if successor:
            response.headers["Deprecation"] = f"@{int(API_DEPRECATED_AT.timestamp())}"
            response.headers["Sunset"] = format_datetime(API_SUNSET_AT, usegmt=True)
            response.headers.add("Link", f'<{successor}>; rel="successor-version"')
        return response


def congress_by_id(congress_id: int | None):
    """The congress with this id, for resolvers that found an id (None stays None)."""
    if congress_id is None:
        return None
    from conference.extensions import db
    from conference.program.models import Congress

    return db.session.get(Congress, congress_id)
