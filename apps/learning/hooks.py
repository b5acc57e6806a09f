"""Hooks that let higher domains plug into enrollment.

Commerce registers a sponsorship redeemer from its ``AppConfig.ready()``::

    register_sponsorship_redeemer(redeem)

    def redeem(*, actor, course_id: UUID, code: str) -> None: ...

The redeemer runs inside ``enrollment_create``'s transaction, after the course
seat was claimed. It must consume one seat of the code with a conditional
update (so concurrent redemptions never exceed the code's seats) and raise a
domain error (``deltalabs.errors.ApplicationError``) for a code that is
unknown, used up or for another course; the error rolls the whole enrollment
back, seat included. Without a redeemer every code is invalid.
"""

from __future__ import annotations

from collections.abc import Callable

SponsorshipRedeemer = Callable[..., None]

_sponsorship_redeemer: SponsorshipRedeemer | None = None


def register_sponsorship_redeemer(fn: SponsorshipRedeemer | None) -> None:
    """Register (or, with None, remove) the sponsorship redeemer."""
    global _sponsorship_redeemer
    _sponsorship_redeemer = fn


def sponsorship_redeemer() -> SponsorshipRedeemer | None:
    return _sponsorship_redeemer
