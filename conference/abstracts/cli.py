"""Flask CLI commands of the abstracts domain."""

import click
from flask.cli import AppGroup

from conference.labels import plural
from conference.progress import progress_bar

abstracts_cli = AppGroup("abstracts", help="Abstracts commands.")


@abstracts_cli.command("assign")
@click.option("--reviews", "reviews_per_abstract", type=int, default=None)
@click.option("--track", "track_slug", default=None, help="Only this track (slug).")
@click.option("--allow-overload", is_flag=True, help="Let reviewers exceed the balanced load.")
def assign(reviews_per_abstract, track_slug, allow_overload):
    """Assign reviewers to submitted abstracts (conflict-free, load balanced)."""
    from conference.abstracts.review import assign_reviewers
    from conference.extensions import db
    from conference.program.queries import get_current_congress, get_track_by_slug

    congress = get_current_congress()
    if congress is None:
        raise click.ClickException("No congress yet.")
    track = get_track_by_slug(congress, track_slug) if track_slug else None
    if track_slug and track is None:
        raise click.ClickException(f"No track {track_slug!r}.")
    with progress_bar("Assigning reviewers") as progress:
        summary = assign_reviewers(
            congress,
            reviews_per_abstract=reviews_per_abstract,
            track=track,
            allow_overload=allow_overload,
            progress=progress,
        )
    db.session.commit()
    click.echo(
        f"{plural(summary.assigned, 'assignment')} made to "
        f"{plural(len(summary.per_reviewer), 'reviewer')}; "
        f"{plural(len(summary.unassigned), 'abstract')} short of reviewers."
    )
    for abstract, reason in summary.unassigned:
        click.echo(f"  {abstract.number}: {reason}")
