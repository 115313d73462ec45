"""The demo company: counts, determinism and the consistency users rely on."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db.models import Count, Max, Min
from django.db.models.functions import Lower

from tandem.core import conditions
from tandem.core.contact_fields import FIELDS, FREE_EMAIL_DOMAINS, NAMED_LISTS
from tandem.core.lifecycle import plan_transition
from tandem.core.permissions import Role
from tandem.crm.choices import Channel
from tandem.crm.demo import DEMO_USERS, DemoSummary, load_demo, store_is_empty
from tandem.crm.models import (
    Account,
    Campaign,
    Contact,
    Opportunity,
    OpportunityContact,
    StageTransition,
    Touchpoint,
)
from tandem.errors import Conflict
from tandem.people.models import User
from tandem.qualification.models import DefinitionVersion

TODAY = date(2026, 3, 15)
END = datetime(2026, 3, 15, tzinfo=UTC)
START = END - timedelta(days=365)
SCALE = 0.01

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    # The production hasher is deliberately slow; these tests are about the data.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def summary() -> DemoSummary:
    return load_demo(seed=42, scale=SCALE, today=TODAY)


def digest() -> str:
    """A fingerprint of everything the demo wrote, independent of database ids."""
    parts: list[object] = [
        list(Account.objects.order_by("name").values_list("name", "domain", "employee_count")),
        list(Campaign.objects.order_by("name").values_list("name", "starts_on", "budget")),
        list(
            Contact.objects.order_by("email").values_list(
                "email", "lifecycle_stage", "fit_score", "engagement_score", "owner__username",
                "original_campaign__name", "created_at",
            )
        ),
        list(
            Touchpoint.objects.order_by("idempotency_key").values_list(
                "idempotency_key", "contact__email", "type", "occurred_at", "campaign__name"
            )
        ),
        list(
            StageTransition.objects.order_by("contact__email", "occurred_at").values_list(
                "contact__email", "from_stage", "to_stage", "occurred_at", "reason"
            )
        ),
        list(
            Opportunity.objects.order_by("name").values_list(
                "name", "amount", "stage", "close_date", "lost_reason"
            )
        ),
        list(
            OpportunityContact.objects.order_by("opportunity__name", "contact__email").values_list(
                "opportunity__name", "contact__email", "role"
            )
        ),
    ]  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_counts_follow_the_scale(summary: DemoSummary) -> None:
    assert (summary.accounts, summary.contacts, summary.touchpoints, summary.opportunities) == (
        20,
        200,
        3_000,
        15,
    )
    # The campaign catalogue never shrinks below one campaign per channel.
    assert summary.campaigns == len(Channel)
    assert set(Campaign.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert summary.users == len(DEMO_USERS) == User.objects.count()
    assert Account.objects.count() == summary.accounts
    assert Contact.objects.count() == summary.contacts
    assert Touchpoint.objects.count() == summary.touchpoints
    assert Opportunity.objects.count() == summary.opportunities
    assert summary.seconds > 0


def test_every_count_is_at_least_one_at_a_tiny_scale() -> None:
    summary = load_demo(seed=1, scale=0.0001, today=TODAY)
    assert min(summary.accounts, summary.contacts, summary.opportunities) >= 1
    assert summary.touchpoints >= summary.contacts


# Flushing truncates tables, which PostgreSQL refuses inside the test's transaction
# while deferred foreign-key checks are pending; run this one outside it.
@pytest.mark.django_db(transaction=True)
def test_same_seed_and_day_give_identical_data() -> None:
    load_demo(seed=7, scale=SCALE, today=TODAY)
    first = digest()
    call_command("flush", interactive=False, verbosity=0)
    assert store_is_empty()
    load_demo(seed=7, scale=SCALE, today=TODAY)
    assert digest() == first
    call_command("flush", interactive=False, verbosity=0)
    load_demo(seed=8, scale=SCALE, today=TODAY)
    assert digest() != first


def test_every_history_is_valid_and_ends_in_the_current_stage(summary: DemoSummary) -> None:
    mql = DefinitionVersion.objects.get(kind="mql", number=1)
    histories: dict[int, list[StageTransition]] = defaultdict(list)
    for row in StageTransition.objects.order_by("occurred_at", "id"):
        histories[row.contact_id].append(row)
    contacts = dict(Contact.objects.values_list("id", "lifecycle_stage"))
    assert set(histories) == set(contacts)
    for contact_id, rows in histories.items():
        first, *moves = rows
        assert (first.from_stage, first.kind) == ("", "created")
        stage = first.to_stage
        for row in moves:
            planned = plan_transition(stage, row.to_stage, reason=row.reason)
            assert (row.from_stage, row.kind) == (stage, planned.kind.value)
            if row.to_stage == "mql":
                assert (row.rule, row.definition_version_id) == ("mql_definition", mql.pk)
            stage = row.to_stage
        assert stage == contacts[contact_id]


def test_touchpoints_are_aware_ordered_and_inside_the_year(summary: DemoSummary) -> None:
    bounds = Touchpoint.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert START <= bounds["first"] <= bounds["last"] < END
    assert bounds["first"].utcoffset() == timedelta(0)
    changes = StageTransition.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert START <= changes["first"] <= changes["last"] < END
    assert Touchpoint.objects.filter(idempotency_key__startswith="demo-42-").count() == 3_000
    for contact in Contact.objects.all():
        first = contact.touchpoints.order_by("occurred_at", "id").first()
        assert first is not None
        # The contact was created by its first touch, which also names its source.
        assert first.occurred_at == contact.created_at
        assert first.channel == contact.source_channel
        assert first.campaign_id == contact.original_campaign_id
        created = contact.transitions.get(kind="created")
        assert created.occurred_at == contact.created_at


def test_emails_are_unique_and_mostly_on_company_domains(summary: DemoSummary) -> None:
    emails = list(Contact.objects.annotate(low=Lower("email")).values_list("low", flat=True))
    assert len(set(emails)) == len(emails)
    free = sum(email.rpartition("@")[2] in FREE_EMAIL_DOMAINS for email in emails)
    assert 0.03 < free / len(emails) < 0.15
    domains = set(Account.objects.values_list("domain", flat=True))
    for contact in Contact.objects.select_related("account").exclude(account=None):
        assert contact.account is not None
        domain = contact.email_domain
        assert domain == contact.account.domain or domain in FREE_EMAIL_DOMAINS
    assert all(domains)


def test_deals_committees_and_owners_hang_together(summary: DemoSummary) -> None:
    assert Opportunity.objects.filter(outcome="won", close_date__lt=TODAY).exists()
    assert not Opportunity.objects.filter(outcome="won", close_date__gte=TODAY).exists()
    assert not Opportunity.objects.filter(outcome="lost", lost_reason="").exists()
    assert not Opportunity.objects.filter(outcome="open", close_date__lt=TODAY).exists()
    sizes = Opportunity.objects.annotate(n=Count("committee")).values_list("n", flat=True)
    assert all(1 <= n <= 5 for n in sizes)
    for member in OpportunityContact.objects.select_related("opportunity", "contact"):
        assert member.contact.account_id == member.opportunity.account_id
    with_deals = set(Opportunity.objects.values_list("account_id", flat=True))
    with_wins = set(Opportunity.objects.filter(outcome="won").values_list("account_id", flat=True))
    for contact in Contact.objects.filter(lifecycle_stage__in=["opportunity", "customer"]):
        assert contact.account_id in with_deals
        if contact.lifecycle_stage == "customer":
            assert contact.account_id in with_wins
    reps = set(User.objects.filter(role=Role.SALES_REP).values_list("id", flat=True))
    for contact in Contact.objects.filter(lifecycle_stage__in=["sal", "sql", "opportunity"]):
        assert contact.owner_id in reps
    owners = Account.objects.filter(id__in=with_deals).values_list("owner_id", flat=True)
    assert set(owners) <= reps


def test_scores_are_filled_and_agree_with_the_mql_definition(summary: DemoSummary) -> None:
    for contact in Contact.objects.all():
        fit, engagement = contact.fit_score, contact.engagement_score
        assert fit is not None and 0 <= fit <= 100
        assert engagement is not None and 0 <= engagement <= 100
        assert contact.grade[0] in "ABCD" and contact.grade[1] in "1234"
        meets = fit >= 60 and engagement >= 40 and contact.email_domain not in FREE_EMAIL_DOMAINS
        if contact.lifecycle_stage in ("subscriber", "lead", "nurture"):
            assert not meets, contact.email
        if contact.lifecycle_stage == "mql":
            assert meets, contact.email


def test_definitions_show_the_agreement_workflow(summary: DemoSummary) -> None:
    mql = DefinitionVersion.objects.get(kind="mql", status="active")
    assert mql.number == 1
    signoffs = list(mql.signoffs.select_related("user"))
    assert {s.side for s in signoffs} == {"marketing", "sales"}
    assert len({s.user_id for s in signoffs}) == 2
    sides = {s.side: s.user.role for s in signoffs}
    assert sides == {"marketing": Role.MARKETING, "sales": Role.SALES_MANAGER}
    assert DefinitionVersion.objects.get(kind="sql", status="active").signoffs.count() == 2
    pending = DefinitionVersion.objects.get(kind="mql", status="pending")
    assert list(pending.signoffs.values_list("side", flat=True)) == ["marketing"]
    for version in DefinitionVersion.objects.all():
        condition = conditions.parse(version.criteria)
        conditions.validate(condition, fields=FIELDS.keys(), lists=NAMED_LISTS.keys())


def test_every_role_has_a_user_who_can_log_in(summary: DemoSummary) -> None:
    assert set(User.objects.values_list("role", flat=True)) == set(Role)
    assert User.objects.filter(role=Role.SALES_REP).count() >= 6
    for demo in DEMO_USERS:
        validate_password(demo.password)
        user = authenticate(username=demo.username, password=demo.password)
        assert user is not None and user.role == demo.role
        assert user.team is not None and user.team.name == demo.team
    admin = User.objects.get(role=Role.ADMIN)
    assert admin.is_superuser and admin.is_staff


def test_refuses_a_store_that_already_has_data(summary: DemoSummary) -> None:
    assert not store_is_empty()
    with pytest.raises(Conflict):
        load_demo(seed=42, scale=SCALE, today=TODAY)
    assert Contact.objects.count() == summary.contacts


def test_reports_progress_until_every_step_is_done() -> None:
    seen: dict[str, tuple[int, int]] = {}

    def progress(step: str, done: int, total: int) -> None:
        assert 0 <= done <= total
        seen[step] = (done, total)

    load_demo(seed=3, scale=SCALE, today=TODAY, progress=progress)
    assert {"users", "accounts", "contacts", "touchpoints", "transitions"} <= set(seen)
    assert all(done == total for done, total in seen.values())
