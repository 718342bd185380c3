"""Test doubles shared by the notice tests (imported by name: tests/notices is on sys.path)."""

from __future__ import annotations


class Recorder:
    """An :class:`~ancrage.notices.index.IndexProgress` that keeps what it was told."""

    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def start(self, name: str, total: int | None) -> None:
        self.events.append(("start", name, total))

    def advance(self, done: int) -> None:
        self.events.append(("advance", done))

    def end(self) -> None:
        self.events.append(("end",))
