from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tandem.core.scoring import DEFAULT_CONFIG, ScoringConfig, TouchpointFact, score_contact
from tandem.crm import services as crm
from tandem.crm.models import Contact, StageTransition
from tandem.jobs.models import Job
from tandem.qualification import scoring_services
from tandem.qualification.models import ScoringRuleSet
from tandem.qualification.selectors import condition_values

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

RULES = {
    "fit_rules": [
        {"name": "Senior", "condition": 'seniority in ("vp", "c_level")', "points": 40},
        {"name": "Big company", "condition": "employee_count >= 500", "points": 30},
        {"name": "Free mail", "condition": "email_domain in free_email_domains", "points": -20},
    ],
    "engagement_rules": [
        {"touchpoint_type": "demo_request", "points": 40, "cap": None},
        {"touchpoint_type": "page_view", "points": 2, "cap": 6},
    ],
    "negative_rules": [
        {"name": "Careers", "touchpoint_type": None, "url_contains": "/careers", "points": -5}
    ],
    "half_life_days": 30,
    "grade_thresholds": [75, 50, 25],
}


@pytest.fixture
def people(marketer):  # type: ignore[no-untyped-def]
    big = crm.create_account(actor=None, data={"name": "Big Co", "employee_count": 900})
    contacts = [
        crm.create_contact(
            actor=None,
            data={"email": "vp@big.example", "seniority": "vp", "account_id": big.pk},
        ),
        crm.create_contact(actor=None, data={"email": "someone@gmail.com"}),
        crm.create_contact(
            actor=None, data={"email": "cto@big.example", "job_title": "Chief Technology Officer"}
        ),
    ]
    items = [
        (contacts[0], "demo_request", 0, ""),
        (contacts[0], "page_view", 1, "https://x.example/pricing"),
        (contacts[0], "page_view", 2, "https://x.example/pricing"),
        (contacts[0], "page_view", 3, "https://x.example/pricing"),
        (contacts[0], "page_view", 4, "https://x.example/pricing"),
        (contacts[1], "page_view", 40, "https://x.example/careers/jobs"),
        (contacts[2], "demo_request", 90, ""),
    ]
    crm.record_touchpoints(
        [
            {
                "contact_id": c.pk,
                "type": kind,
                "channel": "direct",
                "occurred_at": NOW - timedelta(days=days),
                "url": url,
                "idempotency_key": f"k{i}",
            }
            for i, (c, kind, days, url) in enumerate(items)
        ],
        actor=None,
    )
    return contacts


def test_bulk_scores_equal_the_one_contact_reference(people, marketer):  # type: ignore[no-untyped-def]
    ruleset = scoring_services.save_rules(config=RULES, actor=marketer)
    ScoringRuleSet.objects.filter(pk=ruleset.pk).update(is_active=True)
    config = ScoringConfig.from_dict(RULES)

    result = scoring_services.rescore_all(now=NOW)

    assert result["scored"] == 3
    for contact in Contact.objects.order_by("pk"):
        facts = [
            TouchpointFact(type=t.type, occurred_at=t.occurred_at, url=t.url)
            for t in contact.touchpoints.all()
        ]
        expected = score_contact(config, condition_values(contact), facts, now=NOW)
        assert (contact.fit_score, contact.engagement_score, contact.grade) == (
            expected.fit,
            expected.engagement,
            expected.grade,
        )
        assert contact.score_explanation == [
            {"kind": str(c.kind), "rule": c.rule, "points": c.points}
            for c in expected.contributions
        ]
        assert contact.scored_at == NOW
    vp, free, cto = Contact.objects.order_by("pk")
    assert vp.fit_score == 70  # senior + big company
    assert free.fit_score == 0  # the free-mail penalty cannot go below zero
    # No seniority given: the title table reads "Chief Technology Officer" as c_level.
    assert "Senior" in json.dumps(cto.score_explanation)


def test_rescoring_moves_contacts_that_now_meet_the_mql_definition(people, make_version):  # type: ignore[no-untyped-def]
    version = make_version("fit_score >= 40")

    scoring_services.rescore_all(now=NOW)

    vp = Contact.objects.get(email="vp@big.example")
    assert vp.lifecycle_stage == "mql"
    moved = StageTransition.objects.get(contact=vp, to_stage="mql")
    assert (moved.rule, moved.definition_version_id) == ("mql_definition", version.pk)


def test_activating_a_version_rescores_in_the_background_with_progress(
    people, marketer, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    ruleset = scoring_services.save_rules(config=RULES, note="tighter", actor=marketer)

    with django_capture_on_commit_callbacks(execute=True):
        scoring_services.activate_rules(ruleset, actor=marketer)

    job = Job.objects.get(kind="rescore")
    assert job.status == "done"
    assert job.result == {"scored": 3, "moved_to_mql": 0}
    assert (job.done, job.total) == (3, 3)
    assert Contact.objects.filter(scored_at__isnull=False).count() == 3


def test_an_older_version_can_be_put_back_in_force(marketer):  # type: ignore[no-untyped-def]
    first = scoring_services.save_rules(config=DEFAULT_CONFIG.to_dict(), actor=marketer)
    second = scoring_services.save_rules(config=RULES, actor=marketer)
    scoring_services.activate_rules(second, actor=marketer)
    scoring_services.activate_rules(first, actor=marketer)

    assert list(ScoringRuleSet.objects.filter(is_active=True)) == [first]
    assert scoring_services.active_config() == DEFAULT_CONFIG


def test_a_bad_rule_is_refused_with_where_it_is(marketer):  # type: ignore[no-untyped-def]
    bad_rule = {"name": "x", "condition": "fit >", "points": 1}
    broken = {**RULES, "fit_rules": [*RULES["fit_rules"], bad_rule]}

    with pytest.raises(Exception) as caught:
        scoring_services.save_rules(config=broken, actor=marketer)

    assert str(caught.value).startswith("fit_rules[3].condition:")
    assert ScoringRuleSet.objects.count() == 0


def test_only_marketing_and_admins_manage_scoring(rep, manager):  # type: ignore[no-untyped-def]
    for user in (rep, manager):
        with pytest.raises(Exception) as caught:
            scoring_services.save_rules(config=RULES, actor=user)
        assert "may not manage scoring" in str(caught.value)


def test_preview_counts_the_grades_that_would_change(people):  # type: ignore[no-untyped-def]
    scoring_services.rescore_all(now=NOW)  # everyone graded with the defaults
    stricter = ScoringConfig.from_dict({**RULES, "grade_thresholds": [99, 98, 97]})

    preview = scoring_services.preview_rules(stricter, now=NOW)

    expected = sum(
        1 for c in Contact.objects.all() if c.grade != "D4"
    )  # every grade becomes D4 under these thresholds
    assert (preview.total, preview.changed) == (3, expected)
    assert all(to == "D4" for _, to, _ in preview.moves)
