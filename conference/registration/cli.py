"""Flask CLI commands of the registration domain."""

from flask.cli import AppGroup

registration_cli = AppGroup("registration", help="Registration commands.")
