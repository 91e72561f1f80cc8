"""The JSON API under /api/v1 (flask-smorest: schemas validate requests and make OpenAPI)."""

from __future__ import annotations

import re
from copy import deepcopy

from flask import Flask, render_template
from flask_smorest import Api as SmorestApi

from conference.extensions import csrf, db


class Api(SmorestApi):
    """flask-smorest Api whose errors go through the app's single JSON error handler."""

    def _register_error_handlers(self):
        """Errors are rendered by conference.api.errors for every /api/ path."""


api = Api()


def _decimal_as_string(self, field, ret):
    """Decimals the API writes as strings ("12.50", exact money) are documented as strings.

    apispec documents every Decimal as a number; clients and schema checkers would then expect
    12.5 where the API returns "12.50".
    """
    from marshmallow import fields

    if isinstance(field, fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
    return {}


def init_api(app: Flask) -> None:
    from conference.api import (
        abstracts,
        auth_token,
        cme,
        congress,
        congresses,
        dashboard,
        industry,
        mailings,
        money,
        orders,
        policies,
        program,
        registration,
    )

    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "info": {
                "description": "Congress management API. Errors always have the shape "
                '{"error": {"status", "code", "message", "fields"}}. '
                "One installation holds many congresses: GET /api/v1/congresses lists them, and "
                "the resources of one congress are under /api/v1/congresses/{congress}/... "
                "The same paths without a congress are deprecated: they answer for the default "
                "congress with Deprecation, Sunset and Link (successor-version) headers."
            },
        },
    )
    api.init_app(app)
    from conference.congresses.routing import CongressConverter

    api.register_converter(
        CongressConverter,
        lambda converter: {
            "type": "string",
            "pattern": "^" + CongressConverter.regex + "$",
            "description": "The congress's slug, as listed by GET /api/v1/congresses.",
        },
    )
    api.ma_plugin.converter.add_attribute_function(_decimal_as_string)
    for module in (
        auth_token,
        congresses,
        congress,
        abstracts,
        registration,
        orders,
        program,
        money,
        dashboard,
        policies,
        mailings,
        cme,
        industry,
    ):
        api.register_blueprint(module.blp)
        csrf.exempt(module.blp)

    _document_old_paths(app)

    @app.get("/api/v1/docs")
    def api_docs():
        return render_template("api_docs.html")

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()


def _openapi_path(rule: str) -> str:
    """/api/v1/sessions/<int:session_id> -> /api/v1/sessions/{session_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _document_old_paths(app: Flask) -> None:
    """Describe the single-congress paths too, as deprecated copies of the scoped ones."""
    from conference.congresses.routing import API_PREFIX

    paths = api.spec.to_dict().get("paths", {})
    for rule in app.url_map.iter_rules():
        if (
            rule.endpoint not in getattr(app, "scoped_endpoints", ())
            or "congress" in rule.arguments
            or not rule.rule.startswith(API_PREFIX + "/")
        ):
            continue
        scoped = _openapi_path(API_PREFIX + "/congresses/{congress}" + rule.rule[len(API_PREFIX) :])
        if scoped not in paths:
            continue
        operations = deepcopy(paths[scoped])
        parameters = [
            p
            for p in operations.pop("parameters", [])
            if not (p.get("in") == "path" and p.get("name") == "congress")
        ]
        for operation in operations.values():
            operation["deprecated"] = True
            operation["description"] = (
                operation.get("description", "")
                + f"\n\nDeprecated: answers for the default congress; use `{scoped}`."
            ).strip()
        api.spec.path(rule=rule, operations=operations, parameters=parameters)
