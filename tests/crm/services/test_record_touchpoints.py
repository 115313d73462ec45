from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tandem.crm.models import Contact, Touchpoint
from tandem.crm.services import record_touchpoints
from tandem.errors import InvalidInput

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _item(contact: Contact, key: str | None = None, **fields: object) -> dict[str, object]:
    item: dict[str, object] = {
        "contact_id": contact.pk,
        "type": "page_view",
        "channel": "direct",
        "occurred_at": WHEN,
        **fields,
    }
    if key is not None:
        item["idempotency_key"] = key
    return item


def test_records_each_item_and_reports_it(make_contact, rep):
    contact = make_contact()

    outcomes = record_touchpoints([_item(contact, "a"), _item(contact, "b")], actor=rep)

    assert [(o.index, o.idempotency_key, o.status) for o in outcomes] == [
        (0, "a", "created"),
        (1, "b", "created"),
    ]
    assert {o.id for o in outcomes} == set(Touchpoint.objects.values_list("pk", flat=True))


def test_resending_creates_nothing(make_contact, rep):
    contact = make_contact()
    items = [_item(contact, "a"), _item(contact, "b")]
    first = record_touchpoints(items, actor=rep)

    again = record_touchpoints(items, actor=rep)

    assert [o.status for o in again] == ["duplicate", "duplicate"]
    assert [o.id for o in again] == [o.id for o in first]
    assert Touchpoint.objects.count() == 2


def test_repeated_key_creates_one_row(make_contact, rep):
    contact = make_contact()

    outcomes = record_touchpoints([_item(contact, "a"), _item(contact, "a")], actor=rep)

    assert [o.status for o in outcomes] == ["created", "duplicate"]
    assert outcomes[0].id == outcomes[1].id
    assert Touchpoint.objects.count() == 1


def test_items_without_a_key_get_distinct_ones(make_contact, rep):
    contact = make_contact()

    outcomes = record_touchpoints([_item(contact), _item(contact)], actor=rep)

    assert outcomes[0].idempotency_key != outcomes[1].idempotency_key
    assert Touchpoint.objects.count() == 2


def test_campaign_fills_in_channel_and_utm(make_contact, campaign, rep):
    item = _item(make_contact(), "a", campaign_id=campaign.pk)
    del item["channel"]

    record_touchpoints([item], actor=rep)

    touchpoint = Touchpoint.objects.get()
    assert touchpoint.campaign == campaign
    assert touchpoint.channel == "webinar"
    assert (touchpoint.utm_source, touchpoint.utm_medium, touchpoint.utm_campaign) == (
        "newsletter",
        "email",
        "spring",
    )


def test_values_given_win_over_the_campaigns(make_contact, campaign, rep):
    item = _item(make_contact(), "a", campaign_id=campaign.pk, utm_source="linkedin")

    record_touchpoints([item], actor=rep)

    touchpoint = Touchpoint.objects.get()
    assert (touchpoint.channel, touchpoint.utm_source) == ("direct", "linkedin")


def test_naive_datetime_is_refused(make_contact, rep):
    contact = make_contact()

    with pytest.raises(InvalidInput) as refused:
        record_touchpoints(
            [_item(contact, "a"), _item(contact, "b", occurred_at=datetime(2026, 3, 1, 9, 30))],
            actor=rep,
        )

    assert refused.value.field == "items[1].occurred_at"
    assert refused.value.message == (
        "items[1].occurred_at: a timezone-aware date and time is required "
        "(e.g. 2026-03-01T09:30:00Z)."
    )
    assert Touchpoint.objects.count() == 0


def test_one_bad_item_writes_nothing(make_contact, rep):
    contact = make_contact()
    items = [_item(contact, "a"), _item(contact, "b", type="carrier_pigeon"), _item(contact, "c")]

    with pytest.raises(InvalidInput) as refused:
        record_touchpoints(items, actor=rep)

    assert refused.value.field == "items[1].type"
    assert refused.value.message == "items[1].type: Value 'carrier_pigeon' is not a valid choice."
    assert refused.value.extra["errors"] == [
        {"field": "items[1].type", "message": "Value 'carrier_pigeon' is not a valid choice."}
    ]
    assert Touchpoint.objects.count() == 0


def test_unknown_fields_are_refused(make_contact, rep):
    with pytest.raises(InvalidInput) as refused:
        record_touchpoints([_item(make_contact(), "a", score=5)], actor=rep)

    assert refused.value.message == "items[0]: unknown field(s) score."


def test_more_than_a_thousand_items_are_refused(make_contact, rep):
    contact = make_contact()

    with pytest.raises(InvalidInput) as refused:
        record_touchpoints([_item(contact, str(n)) for n in range(1001)], actor=rep)

    assert refused.value.message == "A batch holds at most 1000 touchpoints; got 1001."
    assert Touchpoint.objects.count() == 0


def test_touched_contacts_show_recent_activity(make_contact, rep):
    touched, untouched = make_contact(), make_contact()
    before = Contact.objects.get(pk=untouched.pk).updated_at

    record_touchpoints([_item(touched, "a")], actor=rep)

    assert Contact.objects.get(pk=touched.pk).updated_at > touched.updated_at
    assert Contact.objects.get(pk=untouched.pk).updated_at == before


def test_duplicates_alone_touch_no_contact(make_contact, rep):
    contact = make_contact()
    record_touchpoints([_item(contact, "a")], actor=rep)
    after_first = Contact.objects.get(pk=contact.pk).updated_at

    record_touchpoints([_item(contact, "a")], actor=rep)

    assert Contact.objects.get(pk=contact.pk).updated_at == after_first
