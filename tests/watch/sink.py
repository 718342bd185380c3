"""A local SMTP sink whose answers a test controls: accept, refuse (554), hold a message until
the test lets it go."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


class Sink:
    """What the server received (accepted messages only), and how it answers."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused = 0
        self.refuse: str | None = None  # an SMTP reply such as « 554 … »: refuse every message
        self.hold = threading.Event()  # cleared: each message waits until it is set again
        self.hold.set()
        self.arrived = threading.Event()  # set when a message reached DATA

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.set()
        while not self.hold.is_set():
            await asyncio.sleep(0.02)
        if self.refuse is not None:
            self.refused += 1
            return self.refuse
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


@contextmanager
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        sink.hold.set()
        controller.stop()
