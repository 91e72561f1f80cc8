"""Periodic jobs run by the background worker (`flask --app wsgi mail worker`).

Each job is a dotted path to a callable that commits its own work, and how often to run it.
The worker runs them between outbox rounds, so one process per deployment does both.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable

from conference.extensions import db

log = logging.getLogger(__name__)

#: (name, every N seconds, "module:function")
PERIODIC_JOBS: list[tuple[str, float, str]] = [
    ("expire overdue registrations", 300, "conference.registration.cli:expire_all"),
    ("remind unpaid registration invoices", 3600, "conference.registration.cli:remind_invoices"),
]


def _resolve(path: str) -> Callable[[], object]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class JobRunner:
    """Remember when each job last ran and run the ones that are due."""

    def __init__(self, jobs=None, clock=time.monotonic):
        self.jobs = list(PERIODIC_JOBS if jobs is None else jobs)
        self.clock = clock
        self.last_run: dict[str, float] = {}

    def run_due(self) -> list[str]:
        ran = []
        for name, every, path in self.jobs:
            now = self.clock()
            if name in self.last_run and now - self.last_run[name] < every:
                continue
            self.last_run[name] = now
            try:
                result = _resolve(path)()
                ran.append(name)
                if result:
                    log.info("job %s: %s", name, result)
            except Exception:  # a failing job must not stop mail delivery
                db.session.rollback()
                log.exception("job %s failed", name)
        return ran
