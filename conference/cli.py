"""Flask CLI commands: users, demo data, mail delivery."""

from __future__ import annotations

import functools

import click
from flask import Flask
from flask.cli import AppGroup

from conference.extensions import db
from conference.progress import progress_bar

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo congress data.")
mail_cli = AppGroup("mail", help="Deliver the mail outbox.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["attendee", "reviewer", "organizer", "admin"]),
    help="Repeatable. Administrator is global; other roles are given in the congress of "
    "--congress (default: the current one).",
)
@click.option("--track", "tracks", multiple=True, help="Track slug of reviewer expertise.")
@click.option("--affiliation", default="")
@click.option("--country", default="")
def create_user(email, name, password, roles, tracks, affiliation, country):
    """Create a confirmed account with roles."""
    from conference.accounts import services
    from conference.errors import DomainError
    from conference.program.queries import get_current_congress, get_track_by_slug

    try:
        user = services.sign_up(
            email=email,
            password=password,
            name=name,
            affiliation=affiliation,
            country=country,
            confirmed=True,
        )
        for role in roles:
            if role != "attendee":
                services.grant_role(user, role)
        if tracks:
            congress = get_current_congress()
            found = [get_track_by_slug(congress, slug) if congress else None for slug in tracks]
            missing = [slug for slug, track in zip(tracks, found, strict=True) if track is None]
            if missing:
                raise click.ClickException(f"Unknown track: {', '.join(missing)}")
            from conference.abstracts.review import set_reviewer_expertise

            set_reviewer_expertise(user, congress, [track.id for track in found])
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    click.echo(
        f"Created {user.email} (id {user.id}) with roles: "
        f"{', '.join(sorted(r.value for r in user.role_names)) or 'attendee'}"
    )


@users_cli.command("token")
@click.argument("email")
@click.option("--days", type=int, default=None)
def user_token(email, days):
    """Print a new API token for a user."""
    from conference.accounts import services

    user = services.get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    raw, _ = services.issue_api_token(user, days)
    db.session.commit()
    click.echo(raw)


@demo_cli.command("load")
@click.option("--size", type=click.Choice(["small", "large"]), default="small")
def demo_load(size):
    """Load the demo congress into an empty database (does nothing otherwise)."""
    from conference.accounts.services import get_user_by_email
    from conference.demo import database_is_empty, load_demo
    from conference.demo.core import ACCOUNTS, DEMO_PASSWORD

    if not database_is_empty():
        click.echo("The database already has data: the demo congress was not loaded.")
        accounts = [
            (description, email, DEMO_PASSWORD)
            for description, email, *_ in ACCOUNTS
            if get_user_by_email(email) is not None
        ]
    else:
        with progress_bar("Loading the demo congress") as progress:
            result = load_demo(size, progress=progress)
        db.session.commit()
        click.echo(
            f"Loaded the demo congress: {result.congress.name} ({result.congress.starts_on} "
            f"to {result.congress.ends_on})."
        )
        accounts = result.accounts
    if accounts:
        click.echo("Demo accounts (email / password):")
        for description, email, password in accounts:
            click.echo(f"  {description:<40} {email:<28} {password}")


@mail_cli.command("send")
@click.option("--limit", type=int, default=500)
def mail_send(limit):
    """Deliver the messages that are due, then exit."""
    from conference.mail import deliver_due

    counts = deliver_due(limit=limit)
    click.echo(
        f"sent {counts['sent']}, to retry {counts['retry']}, failed {counts['failed']}, "
        f"interrupted {counts['recovered']}"
    )


@mail_cli.command("worker")
@click.option("--interval", type=float, default=2.0, help="Seconds between rounds.")
def mail_worker(interval):
    """Keep delivering the outbox until stopped."""
    from conference.mail import run_worker

    click.echo(f"Mail worker delivering every {interval}s (Ctrl+C to stop).")
    try:
        run_worker(interval=interval)
    except KeyboardInterrupt:
        click.echo("Mail worker stopped.")


def with_congress_option(command: click.Command) -> click.Command:
    """Give a command `--congress SLUG`: it then works on that congress instead of the default
    one (CONGRESS_SLUG, else the current congress)."""
    callback = command.callback
    command.params.append(
        click.Option(
            ["--congress", "congress_slug"],
            metavar="SLUG",
            default=None,
            help="The congress to work on (default: the current one).",
        )
    )

    @functools.wraps(callback)
    def run(*args, congress_slug=None, **kwargs):
        if congress_slug is not None:
            from flask import current_app
            from flask.cli import ScriptInfo

            from conference.congresses.context import enter, get_congress_by_slug

            context = click.get_current_context()
            if not current_app:
                app = context.ensure_object(ScriptInfo).load_app()
                context.with_resource(app.app_context())
            congress = get_congress_by_slug(congress_slug)
            if congress is None:
                raise click.BadParameter(
                    f"No congress has the address {congress_slug!r}.", param_hint="--congress"
                )
            enter(congress)
            try:
                return callback(*args, **kwargs)
            finally:
                enter(None)
        return callback(*args, **kwargs)

    command.callback = run
    return command


def register_cli(app: Flask) -> None:
    from conference.abstracts.cli import abstracts_cli
    from conference.program.cli import program_cli
    from conference.registration.cli import registration_cli

    for group in (users_cli, abstracts_cli, registration_cli, program_cli):
        for command in group.commands.values():
            if not any(param.name == "congress_slug" for param in command.params):
                with_congress_option(command)
    for group in (users_cli, demo_cli, mail_cli, abstracts_cli, registration_cli, program_cli):
        app.cli.add_command(group)
