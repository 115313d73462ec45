"""Errors raised by the domain core.

Everything the core refuses to do is reported with a subclass of
:class:`CoreError`. Web views and the API can catch that single type and show
the message as-is, so messages are written for the person who caused them.
"""


class CoreError(Exception):
    """An error a user can fix; its message is safe to show."""

    # A stable, machine-readable identifier: the API puts it in error bodies so
    # clients can branch on it without parsing English text.
    code: str = "invalid"
