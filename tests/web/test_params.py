"""List-page parameters: anything that is not a usable number means no filter."""

from __future__ import annotations

import pytest

from tandem.web.params import int_or_none


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        ("-3", -3),
        ("0", 0),
        ("", None),
        (None, None),
        ("abc", None),
        ("4.5", None),
        ("99999999999999999999", None),  # would overflow the database's integer
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_int_or_none(raw: str | None, expected: int | None) -> None:
    assert int_or_none(raw) == expected


def test_contacts_list_survives_a_huge_number(browser_as, rep) -> None:  # type: ignore[no-untyped-def]
    response = browser_as(rep).get("/contacts/?min_score=99999999999999999999&owner=1e99")
    assert response.status_code == 200
