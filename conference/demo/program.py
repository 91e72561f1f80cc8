"""Demo data of the program domain (filled in by that domain)."""

from __future__ import annotations

from conference.demo import DemoResult


def load(result: DemoResult, size: str = "small") -> None:
    """Add this domain's demo data to the congress in `result`."""
