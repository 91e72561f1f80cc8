"""Flask CLI commands of the program domain."""

from pathlib import Path

import click
from flask.cli import AppGroup

program_cli = AppGroup("program", help="Program commands.")


@program_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete the current sessions first.")
@click.option(
    "--publish", is_flag=True, help="Publish a version afterwards (conflicts acknowledged)."
)
def import_command(file: Path, replace: bool, publish: bool):
    """Import a frab schedule XML (creating the congress if there is none)."""
    from conference.errors import DomainError
    from conference.extensions import db
    from conference.program.conflicts import detect_conflicts
    from conference.program.frab_import import congress_from_xml, import_frab
    from conference.program.publishing import publish_program
    from conference.program.queries import get_current_congress

    data = file.read_bytes()
    try:
        congress = get_current_congress() or congress_from_xml(data)
        counts = import_frab(congress, data, replace=replace)
        message = ", ".join(f"{value} {key}" for key, value in sorted(counts.items()))
        if publish:
            keys = [c.key for c in detect_conflicts(congress)]
            version = publish_program(congress, None, keys)
            message += f"; published version {version.number} ({len(keys)} conflicts acknowledged)"
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    click.echo(f"Imported into {congress.name}: {message or 'nothing'}.")


@program_cli.command("publish")
@click.option("--acknowledge-all", is_flag=True, help="Acknowledge every current conflict.")
def publish_command(acknowledge_all: bool):
    """Publish a new version of the program."""
    from conference.errors import DomainError
    from conference.extensions import db
    from conference.program.conflicts import detect_conflicts
    from conference.program.publishing import publish_program
    from conference.program.queries import get_current_congress

    congress = get_current_congress()
    if congress is None:
        raise click.ClickException("No congress.")
    keys = [c.key for c in detect_conflicts(congress)] if acknowledge_all else []
    try:
        version = publish_program(congress, None, keys)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(
        f"Published version {version.number}; {version.messages_queued} email(s) queued to "
        "the people whose part changed."
    )
