"""Flask CLI commands of the abstracts domain."""

from flask.cli import AppGroup

abstracts_cli = AppGroup("abstracts", help="Abstracts commands.")
