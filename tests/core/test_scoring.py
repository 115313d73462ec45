import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.errors import CoreError
from tandem.core.scoring import (
    DEFAULT_CONFIG,
    DEFAULT_TITLE_TABLES,
    Contribution,
    ContributionKind,
    EngagementRule,
    FitRule,
    NegativeRule,
    ScoringConfig,
    ScoringConfigError,
    TitleRule,
    TitleTables,
    TouchpointFact,
    classify_title,
    explanation_json,
    grade_for,
    micro_to_hundredths,
    micro_to_whole,
    score_contact,
    title_tokens,
)

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
# The touchpoint types of tandem.crm.choices.TouchpointType, spelled out so this
# test stays free of Django.
KNOWN_TYPES = {
    "page_view", "form_submit", "email_open", "email_click", "ad_click", "webinar_registered",
    "webinar_attended", "event_attended", "content_download", "demo_request", "trial_signup",
    "sales_call", "sales_email", "meeting", "unsubscribe",
}  # fmt: skip


def touch(kind: str, *, days_ago: float = 0, url: str = "") -> TouchpointFact:
    return TouchpointFact(type=kind, occurred_at=NOW - timedelta(days=days_ago), url=url)


def config_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "fit_rules": [
            {"name": "VP", "condition": 'seniority == "vp"', "points": 30},
            {"name": "Software", "condition": 'industry == "software"', "points": 20},
            {
                "name": "Free email",
                "condition": "email_domain in free_email_domains",
                "points": -15,
            },
            {"name": "Big", "condition": "employee_count >= 1000", "points": 15},
        ],
        "engagement_rules": [
            {"touchpoint_type": "demo_request", "points": 25},
            {"touchpoint_type": "page_view", "points": 1, "cap": 3},
            {"touchpoint_type": "email_open", "points": 0.5, "cap": 5},
        ],
        "negative_rules": [
            {"name": "Careers page", "url_contains": "/careers", "points": -5},
            {"name": "Unsubscribed", "touchpoint_type": "unsubscribe", "points": -10},
        ],
        "half_life_days": 10,
    }
    data.update(overrides)
    return data


CONFIG = ScoringConfig.from_dict(config_dict())


# ---------------------------------------------------------------------------
# Job titles


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Vice President, Sales", ("vp", "sales")),
        ("President", ("c_level", "executive")),
        ("Chief Marketing Officer", ("c_level", "marketing")),
        ("CFO", ("c_level", "finance")),
        ("Sr. Director \u2013 Demand Gen", ("director", "marketing")),
        ("Head of IT", ("director", "it")),
        ("Senior Data Engineer", ("individual", "engineering")),
        ("Account Manager", ("individual", "sales")),
        ("Product Owner", ("individual", "engineering")),
        ("CO-FOUNDER & CTO", ("owner", "engineering")),
        ("Geschäftsführer", ("c_level", "executive")),
        ("People Operations Manager", ("manager", "hr")),
        ("Revenue Operations Team Lead", ("manager", "sales")),
        ("Vice President, Legal", ("vp", "other")),
        ("VP\u00a0Marketing", ("vp", "marketing")),
        ("MVP Evangelist", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_default_tables_classify_common_titles(
    title: str | None, expected: tuple[str | None, str | None]
) -> None:
    assert classify_title(title, DEFAULT_TITLE_TABLES) == expected


def test_title_words_are_folded_and_split_at_separators() -> None:
    assert title_tokens("  Sr. VP -- SALES\u00a0Ops/EMEA ") == "sr vp sales ops emea"
    assert title_tokens("Straße") == "strasse"


def test_first_matching_rule_wins_whatever_the_keyword_position() -> None:
    tables = TitleTables(
        seniority=(
            TitleRule(keywords=("vice president",), value="vp"),
            TitleRule(keywords=("president",), value="c_level"),
        ),
        persona=(),
    )

    assert classify_title("President and Vice President", tables) == ("vp", None)
    assert classify_title("President", tables) == ("c_level", None)


# ---------------------------------------------------------------------------
# Scoring one contact, by hand


def test_hand_built_contact_scores_as_worked_out() -> None:
    values = {
        "job_title": "VP Sales",
        "seniority": None,
        "persona": "",
        "industry": "Software",
        "email_domain": "gmail.com",
        "employee_count": 5000,
    }
    touchpoints = [
        touch("demo_request"),  # 25
        touch("demo_request", days_ago=10),  # one half-life: 12.5
        touch("demo_request", days_ago=-1),  # in the future: counts as now, 25
        *[touch("page_view") for _ in range(5)],
        touch("page_view", url="https://x.example/Careers/eng"),  # page views capped at 3
        touch("email_open", days_ago=20),  # two half-lives: 0.125
        touch("ad_click"),  # no rule for this type
    ]

    result = score_contact(CONFIG, values, touchpoints, now=NOW)

    # Fit: VP (derived from the title) 30 + software 20 - free email 15 + big 15.
    assert result.fit == 50
    # Engagement: 62.5 + 3 + 0.125 - 5 = 60.625, rounded to 61.
    assert result.engagement == 61
    assert result.grade == "B2"
    fit, engagement, negative = ContributionKind
    assert result.contributions == (
        Contribution(kind=fit, rule="title → seniority vp", points=0.0),
        Contribution(kind=fit, rule="title → persona sales", points=0.0),
        Contribution(kind=fit, rule="VP", points=30.0),
        Contribution(kind=fit, rule="Software", points=20.0),
        Contribution(kind=fit, rule="Free email", points=-15.0),
        Contribution(kind=fit, rule="Big", points=15.0),
        Contribution(kind=engagement, rule="demo_request", points=62.5),
        Contribution(kind=engagement, rule="page_view", points=3.0),
        Contribution(kind=engagement, rule="email_open", points=0.13),
        Contribution(kind=negative, rule="Careers page", points=-5.0),
    )
    assert explanation_json(result.contributions[-3:]) == (
        '[{"kind":"engagement","rule":"page_view","points":3.0},'
        '{"kind":"engagement","rule":"email_open","points":0.13},'
        '{"kind":"negative","rule":"Careers page","points":-5.0}]'
    )


def test_contacts_own_seniority_is_kept_and_not_explained() -> None:
    values = {"job_title": "VP Sales", "seniority": "manager", "persona": "sales"}

    result = score_contact(CONFIG, values, [], now=NOW)

    assert result.fit == 0
    assert result.contributions == ()


def test_derived_value_is_visible_to_rules_and_listed_first() -> None:
    result = score_contact(CONFIG, {"job_title": "Vice-President of Sales"}, [], now=NOW)

    assert [c.rule for c in result.contributions] == [
        "title → seniority vp",
        "title → persona sales",
        "VP",
    ]


def test_scores_are_clamped_to_0_and_100() -> None:
    config = ScoringConfig.from_dict(
        config_dict(
            fit_rules=[
                {"name": f"r{i}", "condition": "employee_count > 0", "points": 60} for i in range(2)
            ]
            + [{"name": "tiny", "condition": "employee_count < 5", "points": -200}],
            engagement_rules=[{"touchpoint_type": "meeting", "points": 70}],
        )
    )

    high = score_contact(config, {"employee_count": 10}, [touch("meeting")] * 2, now=NOW)
    low = score_contact(
        config, {"employee_count": 1}, [touch("page_view", url="/careers")] * 3, now=NOW
    )

    assert (high.fit, high.engagement, high.grade) == (100, 100, "A1")
    assert (low.fit, low.engagement, low.grade) == (0, 0, "D4")
    # The explanation keeps the raw points, so the clamping can be understood.
    assert [c.points for c in low.contributions] == [60.0, 60.0, -200.0, -15.0]


def test_one_half_life_halves_the_points() -> None:
    config = ScoringConfig.from_dict(
        config_dict(engagement_rules=[{"touchpoint_type": "webinar_attended", "points": 10}])
    )

    result = score_contact(config, {}, [touch("webinar_attended", days_ago=10)], now=NOW)

    assert result.contributions == (
        Contribution(kind=ContributionKind.ENGAGEMENT, rule="webinar_attended", points=5.0),
    )
    assert result.engagement == 5


def test_negative_rule_with_type_and_url_needs_both() -> None:
    config = ScoringConfig.from_dict(
        config_dict(
            negative_rules=[
                {
                    "name": "Job form",
                    "touchpoint_type": "form_submit",
                    "url_contains": "/careers/apply",
                    "points": -20,
                }
            ]
        )
    )
    touchpoints = [
        touch("form_submit", url="https://x.example/CAREERS/APPLY?job=1"),
        touch("page_view", url="https://x.example/careers/apply"),
        touch("form_submit", url="https://x.example/demo"),
    ]

    result = score_contact(config, {}, touchpoints, now=NOW)

    assert result.contributions[-1] == Contribution(
        kind=ContributionKind.NEGATIVE, rule="Job form", points=-20.0
    )


def test_rules_with_nothing_to_show_are_left_out() -> None:
    # A year at a 10-day half-life leaves 25 * 2**-36.5 points: 0.00 when rounded.
    result = score_contact(CONFIG, {}, [touch("demo_request", days_ago=365)], now=NOW)

    assert result.contributions == ()
    assert result.engagement == 0


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        score_contact(CONFIG, {}, [], now=datetime(2026, 1, 1))
    naive = TouchpointFact(type="page_view", occurred_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        score_contact(CONFIG, {}, [naive], now=NOW)


def test_rounding_is_half_up() -> None:
    assert micro_to_whole(499_999) == 0
    assert micro_to_whole(500_000) == 1
    assert micro_to_whole(1_500_000) == 2
    assert micro_to_hundredths(4_999) == 0
    assert micro_to_hundredths(5_000) == 1
    assert micro_to_hundredths(-5_000) == 0
    assert micro_to_hundredths(-5_001) == -1


@pytest.mark.parametrize(
    ("fit", "engagement", "grade"),
    [(100, 100, "A1"), (75, 74, "A2"), (50, 49, "B3"), (25, 24, "C4"), (24, 0, "D4")],
)
def test_grade_bands(fit: int, engagement: int, grade: str) -> None:
    assert grade_for(fit, engagement, (75, 50, 25)) == grade


def test_default_config_grades_an_ideal_buyer_highly() -> None:
    values = {
        "job_title": "VP of Marketing",
        "employee_count": 500,
        "industry": "Software",
        "country": "US",
        "email_domain": "acme.example",
    }

    result = score_contact(DEFAULT_CONFIG, values, [touch("demo_request")], now=NOW)

    # VP 22 + buyer persona 15 + 200-999 employees 22 + industry 12 + core market 6.
    assert result.fit == 77
    assert result.engagement == 25
    assert result.grade == "A3"


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from(["demo_request", "page_view", "email_open", "ad_click", "unsubscribe"]),
            st.floats(-3, 400),
            st.sampled_from(["", "/careers", "/pricing", "/CAREERS/x"]),
        ),
        max_size=40,
    ),
    seed=st.integers(0, 2**32),
)
def test_order_of_touchpoints_never_matters(
    events: list[tuple[str, float, str]], seed: int
) -> None:
    touchpoints = [touch(kind, days_ago=age, url=url) for kind, age, url in events]
    shuffled = touchpoints[:]
    random.Random(seed).shuffle(shuffled)

    assert score_contact(CONFIG, {}, touchpoints, now=NOW) == score_contact(
        CONFIG, {}, shuffled, now=NOW
    )


# ---------------------------------------------------------------------------
# Configuration


def test_default_config_survives_a_round_trip_through_json() -> None:
    data = json.loads(json.dumps(DEFAULT_CONFIG.to_dict()))

    assert ScoringConfig.from_dict(data, known_types=KNOWN_TYPES) == DEFAULT_CONFIG


def test_title_tables_default_when_not_given() -> None:
    assert CONFIG.title_tables == DEFAULT_TITLE_TABLES


def error_for(data: dict[str, Any], **kwargs: Any) -> ScoringConfigError:
    with pytest.raises(ScoringConfigError) as caught:
        ScoringConfig.from_dict(data, **kwargs)
    return caught.value


def test_condition_syntax_error_names_rule_and_position() -> None:
    data = config_dict()
    data["fit_rules"][2]["condition"] = 'seniority == "vp" and'

    error = error_for(data)

    assert error.path == "fit_rules[2].condition"
    assert error.position == 21
    assert str(error) == (
        "fit_rules[2].condition: Expected a condition after 'and' at position 21 of the condition"
    )
    assert isinstance(error, CoreError)
    assert error.code == "invalid_scoring_config"


def test_unknown_field_in_a_condition_is_reported() -> None:
    data = config_dict()
    data["fit_rules"][0]["condition"] = 'senority == "vp"'

    error = error_for(data)

    assert error.path == "fit_rules[0].condition"
    assert error.message.startswith("Unknown field 'senority' at position 0")


def test_rules_may_not_read_the_scores_they_produce() -> None:
    data = config_dict()
    data["fit_rules"][0]["condition"] = "fit_score > 50"

    assert "Unknown field 'fit_score'" in error_for(data).message


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda d: d["fit_rules"][1].update(points=2.5), "fit_rules[1].points",
         "must be a whole number"),
        (lambda d: d["fit_rules"][1].update(points="10"), "fit_rules[1].points",
         "must be a whole number"),
        (lambda d: d["fit_rules"][1].update(points=5000), "fit_rules[1].points",
         "points must be between -1000 and 1000"),
        (lambda d: d["fit_rules"][3].update(name="VP"), "fit_rules[3].name",
         "name 'VP' is already used by fit_rules[0]"),
        (lambda d: d["engagement_rules"][2].update(touchpoint_type="page_view"),
         "engagement_rules[2].touchpoint_type",
         "a rule for 'page_view' already exists at engagement_rules[1]"),
        (lambda d: d["engagement_rules"][0].update(points=True), "engagement_rules[0].points",
         "must be a number"),
        (lambda d: d["engagement_rules"][1].update(cap=0), "engagement_rules[1].cap",
         "cap must be a number above 0"),
        (lambda d: d["negative_rules"][0].update(points=5), "negative_rules[0].points",
         "points of a negative rule must be below 0"),
        (lambda d: d["negative_rules"][0].update(url_contains=None),
         "negative_rules[0].touchpoint_type", "give a touchpoint type, a URL fragment or both"),
        (lambda d: d.update(half_life_days=0), "half_life_days",
         "half-life must be a number of days above 0"),
        (lambda d: d.update(grade_thresholds=[50, 75, 25]), "grade_thresholds",
         "must be three whole numbers from 100 down to 0"),
        (lambda d: d.update(grade_thresholds=[75, 50]), "grade_thresholds",
         "needs exactly three thresholds, not 2"),
        (lambda d: d.update(halflife=3), "halflife", "unknown key 'halflife'"),
        (lambda d: d.pop("engagement_rules"), "engagement_rules", "is required"),
        (lambda d: d.update(fit_rules={"name": "x"}), "fit_rules", "must be a list"),
        (lambda d: d.update(title_tables={"seniority": [{"keywords": ["boss"], "value": "boss"}],
                                          "persona": []}),
         "title_tables.seniority[0].value", "unknown seniority 'boss'; choose one of individual"),
        (lambda d: d.update(title_tables={"seniority": [{"keywords": ["--"], "value": "vp"}],
                                          "persona": []}),
         "title_tables.seniority[0].keywords[0]", "keyword must contain a letter or digit"),
    ],
)  # fmt: skip
def test_invalid_configuration_is_reported_with_its_path(
    change: Any, path: str, message: str
) -> None:
    data = config_dict()
    change(data)

    error = error_for(data)

    assert error.path == path
    assert error.message.startswith(message), error.message


def test_touchpoint_types_are_checked_only_against_known_types() -> None:
    # A workspace whose touchpoints have no "unsubscribe" type.
    error = error_for(config_dict(), known_types=KNOWN_TYPES - {"unsubscribe"})

    assert error.path == "negative_rules[1].touchpoint_type"
    assert error.message.startswith("unknown touchpoint type 'unsubscribe'; known types: ad_click")
    # Without known_types the rule is kept; it simply never matches there.
    assert ScoringConfig.from_dict(config_dict()).negative_rules[1].touchpoint_type == "unsubscribe"


def test_configs_built_in_code_are_validated_too() -> None:
    with pytest.raises(ScoringConfigError) as caught:
        ScoringConfig(
            title_tables=DEFAULT_TITLE_TABLES,
            fit_rules=(FitRule(name="x", condition="industry ==", points=1),),
            engagement_rules=(EngagementRule(touchpoint_type="page_view", points=1),),
            negative_rules=(NegativeRule(name="n", url_contains="/jobs", points=-1),),
            half_life_days=30,
        )

    assert caught.value.path == "fit_rules[0].condition"
