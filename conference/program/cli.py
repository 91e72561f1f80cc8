"""Flask CLI commands of the program domain."""

from flask.cli import AppGroup

program_cli = AppGroup("program", help="Program commands.")
