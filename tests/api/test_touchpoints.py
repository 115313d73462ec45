from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tandem.crm.models import Contact, Touchpoint

pytestmark = pytest.mark.django_db

WHEN = "2026-03-01T09:30:00Z"


def _item(contact: Contact, key: str | None = None, **fields: object) -> dict[str, object]:
    item: dict[str, object] = {
        "contact_id": contact.pk,
        "type": "page_view",
        "channel": "organic_search",
        "occurred_at": WHEN,
        **fields,
    }
    if key is not None:
        item["idempotency_key"] = key
    return item


@pytest.fixture
def contact(make_contact):
    return make_contact()


def test_single_touchpoint_is_created(api_as, rep, contact):
    response = api_as(rep).post("/touchpoints", _item(contact, "k-1", url="https://acme.io/p"))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "created"
    assert body["idempotency_key"] == "k-1"
    assert body["index"] == 0
    touchpoint = Touchpoint.objects.get(pk=body["id"])
    assert touchpoint.contact == contact
    assert touchpoint.occurred_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert touchpoint.url == "https://acme.io/p"


def test_resending_a_single_touchpoint_creates_nothing(api_as, rep, contact):
    api = api_as(rep)
    first = api.post("/touchpoints", _item(contact, "k-1"))

    again = api.post("/touchpoints", _item(contact, "k-1"))

    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert again.json()["id"] == first.json()["id"]
    assert Touchpoint.objects.count() == 1


def test_touchpoint_without_a_key_gets_one(api_as, rep, contact):
    response = api_as(rep).post("/touchpoints", _item(contact))

    assert response.status_code == 201
    assert len(response.json()["idempotency_key"]) == 36
    assert Touchpoint.objects.get().idempotency_key == response.json()["idempotency_key"]


def test_touchpoint_takes_channel_and_utm_from_its_campaign(api_as, rep, contact, make_campaign):
    campaign = make_campaign(
        channel="webinar", utm_source="newsletter", utm_medium="email", utm_campaign="q1-webinar"
    )
    item = _item(contact, "k-1", campaign_id=campaign.pk)
    del item["channel"]

    response = api_as(rep).post("/touchpoints", item)

    assert response.status_code == 201
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.channel == "webinar"
    assert (touchpoint.utm_source, touchpoint.utm_medium, touchpoint.utm_campaign) == (
        "newsletter",
        "email",
        "q1-webinar",
    )


def test_naive_datetime_is_refused(api_as, rep, contact):
    response = api_as(rep).post("/touchpoints", _item(contact, occurred_at="2026-03-01T09:30:00"))

    assert response.status_code == 422
    assert response.json()["field"] == "occurred_at"
    assert response.json()["message"] == "occurred_at: Input should have timezone info"
    assert Touchpoint.objects.count() == 0


def test_batch_creates_every_item(api_as, rep, contact, make_contact):
    other = make_contact()
    items = [_item(contact, "k-1"), _item(other, "k-2", type="email_open", channel="email")]

    response = api_as(rep).post("/touchpoints/batch", {"items": items})

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["duplicates"]) == (2, 0)
    assert [(r["index"], r["idempotency_key"], r["status"]) for r in body["results"]] == [
        (0, "k-1", "created"),
        (1, "k-2", "created"),
    ]
    assert set(Touchpoint.objects.values_list("pk", flat=True)) == {
        r["id"] for r in body["results"]
    }


def test_resending_a_batch_creates_nothing(api_as, rep, contact):
    api = api_as(rep)
    items = [_item(contact, f"k-{n}") for n in range(3)]
    first = api.post("/touchpoints/batch", {"items": items}).json()

    again = api.post("/touchpoints/batch", {"items": items})

    assert again.status_code == 200
    body = again.json()
    assert (body["created"], body["duplicates"]) == (0, 3)
    assert [r["status"] for r in body["results"]] == ["duplicate"] * 3
    assert [r["id"] for r in body["results"]] == [r["id"] for r in first["results"]]
    assert Touchpoint.objects.count() == 3


def test_repeated_key_in_one_batch_creates_one_row(api_as, rep, contact):
    items = [_item(contact, "same"), _item(contact, "other"), _item(contact, "same")]

    body = api_as(rep).post("/touchpoints/batch", {"items": items}).json()

    assert [r["status"] for r in body["results"]] == ["created", "created", "duplicate"]
    assert body["results"][0]["id"] == body["results"][2]["id"]
    assert (body["created"], body["duplicates"]) == (2, 1)
    assert Touchpoint.objects.filter(idempotency_key="same").count() == 1


def test_batch_mixing_new_and_known_keys_creates_only_the_new(api_as, rep, contact):
    api = api_as(rep)
    api.post("/touchpoints", _item(contact, "old"))

    body = api.post(
        "/touchpoints/batch", {"items": [_item(contact, "old"), _item(contact, "new")]}
    ).json()

    assert [r["status"] for r in body["results"]] == ["duplicate", "created"]
    assert Touchpoint.objects.count() == 2


def test_batch_with_an_unknown_contact_writes_nothing(api_as, rep, contact):
    items = [_item(contact, "k-0"), _item(contact, "k-1"), {**_item(contact), "contact_id": 999999}]

    response = api_as(rep).post("/touchpoints/batch", {"items": items})

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "items[2].contact_id: no contact with id 999999.",
        "field": "items[2].contact_id",
    }
    assert Touchpoint.objects.count() == 0


def test_batch_with_a_naive_datetime_names_the_item(api_as, rep, contact):
    items = [_item(contact, "k-0"), _item(contact, "k-1", occurred_at="2026-03-01 09:30")]

    response = api_as(rep).post("/touchpoints/batch", {"items": items})

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "items[1].occurred_at"
    assert body["message"] == "items[1].occurred_at: Input should have timezone info"
    assert body["errors"] == [
        {"field": "items[1].occurred_at", "message": "Input should have timezone info"}
    ]
    assert Touchpoint.objects.count() == 0


def test_batch_item_without_a_channel_names_the_item(api_as, rep, contact):
    item = _item(contact, "k-1")
    del item["channel"]

    response = api_as(rep).post("/touchpoints/batch", {"items": [_item(contact, "k-0"), item]})

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "items[1].channel: This field cannot be blank.",
        "field": "items[1].channel",
        "errors": [{"field": "items[1].channel", "message": "This field cannot be blank."}],
    }
    assert Touchpoint.objects.count() == 0


def test_batch_with_an_unknown_campaign_names_the_item(api_as, rep, contact):
    response = api_as(rep).post(
        "/touchpoints/batch", {"items": [_item(contact, "k-0", campaign_id=999999)]}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "items[0].campaign_id"
    assert response.json()["message"] == "items[0].campaign_id: no campaign with id 999999."


def test_batch_of_a_thousand_is_accepted(api_as, rep, contact):
    items = [_item(contact, f"k-{n}") for n in range(1000)]

    response = api_as(rep).post("/touchpoints/batch", {"items": items})

    assert response.status_code == 200
    assert response.json()["created"] == 1000
    assert Touchpoint.objects.count() == 1000


def test_batch_of_more_than_a_thousand_is_refused(api_as, rep, contact):
    items = [_item(contact, f"k-{n}") for n in range(1001)]

    response = api_as(rep).post("/touchpoints/batch", {"items": items})

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "items"
    assert (
        body["message"] == "items: List should have at most 1000 items after validation, not 1001"
    )
    assert Touchpoint.objects.count() == 0


def test_empty_batch_is_refused(api_as, rep):
    response = api_as(rep).post("/touchpoints/batch", {"items": []})

    assert response.status_code == 422
    assert response.json()["field"] == "items"


def test_recording_touches_the_contacts_activity_time(api_as, rep, contact):
    before = contact.updated_at

    api_as(rep).post("/touchpoints", _item(contact, "k-1"))

    contact.refresh_from_db()
    assert contact.updated_at > before


def test_list_filters_by_contact_campaign_and_time(api_as, rep, make_contact, make_campaign):
    first, second = make_contact(), make_contact()
    campaign = make_campaign()
    api = api_as(rep)
    api.post(
        "/touchpoints/batch",
        {
            "items": [
                _item(first, "a", occurred_at="2026-01-01T00:00:00Z"),
                _item(first, "b", occurred_at="2026-02-01T00:00:00Z", campaign_id=campaign.pk),
                _item(second, "c", occurred_at="2026-03-01T00:00:00Z"),
            ]
        },
    )

    def keys(**params: object) -> list[str]:
        return [t["idempotency_key"] for t in api.get("/touchpoints", params).json()["items"]]

    assert keys() == ["c", "b", "a"]
    assert keys(contact_id=first.pk) == ["b", "a"]
    assert keys(campaign_id=campaign.pk) == ["b"]
    assert keys(since="2026-02-01T00:00:00Z") == ["c", "b"]
    assert keys(until="2026-02-01T00:00:00Z") == ["a"]
    page = api.get("/touchpoints", {"limit": 1, "offset": 1}).json()
    assert [t["idempotency_key"] for t in page["items"]] == ["b"]
    assert page["count"] == 3


def test_get_returns_the_touchpoint(api_as, rep, contact):
    created = api_as(rep).post("/touchpoints", _item(contact, "k-1")).json()

    response = api_as(rep).get(f"/touchpoints/{created['id']}")

    assert response.status_code == 200
    assert response.json()["idempotency_key"] == "k-1"
    assert response.json()["contact_id"] == contact.pk


def test_get_unknown_touchpoint_is_404(api_as, rep):
    response = api_as(rep).get("/touchpoints/999999")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"] == "No touchpoint with id 999999."
