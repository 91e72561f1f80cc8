"""Flask CLI commands of the registration domain."""

import click
from flask.cli import AppGroup

from conference.extensions import db

registration_cli = AppGroup("registration", help="Registration commands.")


def expire_all() -> int:
    """Expire overdue holds (unpaid, or proof of status never sent) of every congress, remind
    those whose proof is still awaited, and commit; return how many expired.

    The callable a scheduler or the mail worker loop can run as well as the CLI.
    """
    from conference.congresses.context import congresses_to_work_on, working_on
    from conference.registration.capacity import expire_unpaid, remind_missing_proof

    total = 0
    for congress in congresses_to_work_on():
        with working_on(congress):
            total += len(expire_unpaid(congress))
            db.session.commit()
            remind_missing_proof(congress)
            db.session.commit()
    return total


def remind_invoices() -> int:
    """Remind buyers of unpaid registration invoices whose held place ends within their
    congress's invoice_reminder_days (once per invoice and due date), and commit; return how
    many."""
    from conference.congresses.context import congresses_to_work_on, working_on
    from conference.registration.invoicing import remind_unpaid_invoices

    total = 0
    for congress in congresses_to_work_on():
        with working_on(congress):
            total += remind_unpaid_invoices(congress)
            db.session.commit()
    return total


def group_orders() -> int:
    """Confirm the delegates of paid group orders and release unnamed group places past the
    naming deadline (unless the order keeps them), per congress, and commit; return how many
    places were released."""
    from conference.congresses.context import congresses_to_work_on, working_on
    from conference.registration.group_orders import confirm_paid_orders, release_unfilled

    total = 0
    for congress in congresses_to_work_on():
        with working_on(congress):
            confirm_paid_orders(congress)
            db.session.commit()
            total += release_unfilled(congress)
            db.session.commit()
    return total


@registration_cli.command("group-orders")
def group_orders_command():
    """Release unnamed group order places past their deadline; confirm paid orders."""
    click.echo(f"{group_orders()} places released")


@registration_cli.command("remind-invoices")
def remind_invoices_command():
    """Remind buyers whose registration invoice is unpaid shortly before the place ends."""
    click.echo(f"{remind_invoices()} reminders queued")


def purge_visa_data() -> int:
    """Erase passport data of visa requests past their congress's retention (and of cancelled
    registrations), and commit; return how many were erased. Run by the worker's jobs."""
    from conference.registration.visa import purge_expired_visa_data

    erased = purge_expired_visa_data()
    db.session.commit()
    return erased


@registration_cli.command("expire")
def expire():
    """Cancel unpaid or proof-less registrations past their time, offer their places to the
    waiting list, and remind registrants whose proof of status is still awaited."""
    click.echo(f"{expire_all()} expired")


@registration_cli.command("purge-visa-data")
def purge_visa():
    """Erase the passport data of visa requests once their congress ended plus the retention
    days of its registration settings."""
    click.echo(f"{purge_visa_data()} visa requests erased")


@registration_cli.command("recount-places")
@click.option("--repair", is_flag=True, help="Set the counters that differ to the counts.")
def recount_places(repair: bool):
    """Compare the place counters with COUNT(*) of registrations and group places; exit 1 if
    any differs (and was not repaired)."""
    from conference.congresses.context import congresses_to_work_on
    from conference.registration.capacity import recount

    differences = 0
    for congress in congresses_to_work_on(archived=True):
        for drift in recount(congress, repair=repair):
            differences += 1
            what = "total" if drift.category_id is None else f"category {drift.category_id}"
            click.echo(
                f"{congress.short_name}: {what}: counter {drift.counter}, counted {drift.counted}"
                + (" (repaired)" if repair else "")
            )
        db.session.commit()
    click.echo(f"{differences} counters differ" + (" (repaired)" if repair and differences else ""))
    if differences and not repair:
        raise SystemExit(1)
