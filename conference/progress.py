"""Progress of long jobs: services take an optional `progress(done, total)` callback and never
print; the CLI turns it into a click progress bar (`progress_bar`), tests into a list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Called with (steps done, steps in all) as a long service works; may be None.
Progress = Callable[[int, int], None]


def report(progress: Progress | None, done: int, total: int) -> None:
    """Tell `progress`, if any, how far the job is."""
    if progress is not None:
        progress(done, total)


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """A Progress callback drawing a click progress bar on stderr (opened at the first call)."""
    import click

    state: dict = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(
                length=max(total, 1), label=label, file=click.get_text_stream("stderr")
            )
            bar.__enter__()
            state["bar"] = bar
        bar.length = max(total, 1)
        bar.update(max(done - bar.pos, 0))

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
