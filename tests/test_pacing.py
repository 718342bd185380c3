"""The pace per host and the back-off shared by every HTTP client of the project."""

from __future__ import annotations

import httpx
import pytest

from ancrage.pacing import Pacer, retry_delay


def test_retry_delay_doubles_and_honours_retry_after_up_to_the_cap() -> None:
    assert [retry_delay(0.5, n, None, 60.0) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    asks = httpx.Response(429, headers={"Retry-After": "30"})
    assert retry_delay(0.5, 1, asks, 60.0) == 30.0
    assert retry_delay(0.5, 1, asks, 10.0) == 10.0  # capped
    assert retry_delay(4.0, 2, asks, 60.0) == 30.0
    assert retry_delay(0.5, 1, httpx.Response(503, headers={"Retry-After": "soon"}), 60.0) == 0.5


def test_pacer_waits_per_host() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(0.5, {"slow.example": 2.0}, sleep=sleep, clock=lambda: now[0])
    pacer.wait_turn("a.example")
    pacer.wait_turn("slow.example")
    now[0] += 0.1
    pacer.wait_turn("a.example")  # 0.4 s left of a.example's 0.5 s
    pacer.wait_turn("slow.example")  # 2.0 s after its last request, 0.5 s of it gone
    assert slept == pytest.approx([0.4, 1.5])
