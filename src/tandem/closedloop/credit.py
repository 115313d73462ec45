"""Marketing's credit for pipeline and won revenue, read from the store.

Interface shared by the closed-loop page, the opportunity page and the won-deal
notifications. The journeys themselves are built by :mod:`tandem.closedloop.journeys`;
the attribution maths lives in :mod:`tandem.core.attribution`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
from django.core.cache import cache

from tandem.analytics import engines
from tandem.closedloop import journeys
from tandem.closedloop.journeys import (
    cache_key,
    cached_deal_touches,
    cached_non_deal_touches,
    data_version,
    deal_touches,
)
from tandem.closedloop.models import AttributionSettings
from tandem.core.attribution import Attribution
from tandem.core.attribution.engine import (
    TABLE_MODELS,
    attribute_tables,
    journeys_from_events,
)
from tandem.crm.choices import Channel
from tandem.crm.models import Campaign, Opportunity
from tandem.errors import InvalidInput


@dataclass(frozen=True, kw_only=True)
class CreditRow:
    """One channel's or campaign's share of pipeline and won revenue under one model."""

    key: str  # the channel code, or the campaign id as text ("~email": no campaign, by channel)
    label: str  # what people read: "Paid search", "Spring webinar series"
    channel: str  # the channel code (for a campaign: its channel)
    cost: float | None  # campaign actual cost (None for channels and unknown costs)
    opportunities: float  # opportunities credited (fractions add up to the total)
    pipeline: float  # opportunity amount credited
    deals_won: float  # won deals credited
    revenue: float  # won amount credited

    @property
    def roi(self) -> float | None:
        """Attributed won revenue per unit of cost; None when the cost is unknown or 0."""
        if not self.cost:
            return None
        return self.revenue / self.cost


@dataclass(frozen=True, kw_only=True)
class TouchCredit:
    """A campaign (or content) that touched a deal's buying committee, and its credit."""

    campaign_id: int | None
    label: str  # campaign name, or the channel's label for touches without a campaign
    channel: str
    content: list[str]  # urls of the content consumed: downloads, webinars, email clicks, forms
    touches: int
    share: float  # 0..1, the shares of one deal add up to 1
    amount: float  # share x the opportunity amount


# Touch types that turn a visitor into a lead: the "lead creation" milestone of the
# W-shaped and full-path models is the first of these in a deal's journey.
LEAD_CREATING_TYPES = frozenset(
    {"form_submit", "demo_request", "trial_signup", "content_download", "webinar_registered"}
)
# Touches that consumed a piece of content (not page views, ads or sales touches): their
# urls are the "content" listed with a deal's credit.
CONTENT_TYPES = frozenset(
    {"content_download", "webinar_registered", "webinar_attended", "email_click", "form_submit"}
)
NO_CAMPAIGN = "~"  # campaign key prefix for touches without a campaign: "~paid_search"


def _key(by: str, channel: pd.Series, campaign: pd.Series) -> pd.Series:
    if by == "channel":
        return channel.astype(str)
    ids = campaign.astype("Int64").astype("string")
    return ids.fillna(NO_CAMPAIGN + channel.astype("string")).astype(object)


def _milestones(deals: pd.DataFrame) -> pd.Series:
    """The milestone(s) each deal touch marks, joined by "+" when it marks several."""
    order = deals.sort_values(["opportunity_id", "occurred_at", "touch_id"])
    marks = pd.Series("", index=order.index, dtype=object)
    lead_rows = order[order["type"].isin(LEAD_CREATING_TYPES)]
    lead = lead_rows.groupby("opportunity_id").head(1).index
    before_opportunity = order[order["occurred_at"] <= order["opportunity_created_at"]]
    opportunity = before_opportunity.groupby("opportunity_id").tail(1).index
    closed = order[order["closed_at"].notna()].groupby("opportunity_id").tail(1).index
    for name, index in (("lead", lead), ("opportunity", opportunity), ("close", closed)):
        marks.loc[index] = marks.loc[index].map(lambda m, n=name: f"{m}+{n}" if m else n)
    return marks.replace("", None).reindex(deals.index)


def _deal_events(deals: pd.DataFrame, *, by: str, measure: str) -> pd.DataFrame:
    """Deal touches as engine events; the last touch of a converting deal converts.

    ``measure`` "pipeline": every opportunity converts, worth its amount. "revenue":
    won deals convert, lost ones end in null, open ones are left out (undecided).
    """
    if measure == "revenue":
        deals = deals[deals["outcome"] != "open"]
    if deals.empty:
        return _EMPTY_EVENTS.copy()
    converts = deals["outcome"] == "won" if measure == "revenue" else True
    last = deals.sort_values(["occurred_at", "touch_id"]).groupby("opportunity_id").tail(1).index
    is_last = deals.index.isin(last)
    flag = is_last & converts
    return pd.DataFrame(
        {
            "journey": "o" + deals["opportunity_id"].astype(str),
            "ts": deals["occurred_at"],
            "seq": deals["touch_id"],
            "channel": _key(by, deals["channel"], deals["campaign_id"]),
            "converted": flag,
            "value": deals["amount"].where(flag),
            "milestone": _milestones(deals),
        }
    )


def _null_events(touches: pd.DataFrame, *, by: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "journey": "c" + touches["contact_id"].astype(str),
            "ts": touches["occurred_at"],
            "seq": touches["touch_id"],
            "channel": _key(by, touches["channel"], touches["campaign_id"]),
            "converted": False,
            "value": None,
            "milestone": None,
        }
    )


_EMPTY_EVENTS = pd.DataFrame(
    {
        "journey": pd.Series(dtype=object),
        "ts": pd.Series(dtype="datetime64[us, UTC]"),
        "seq": pd.Series(dtype="int64"),
        "channel": pd.Series(dtype=object),
        "converted": pd.Series(dtype=bool),
        "value": pd.Series(dtype="float64"),
        "milestone": pd.Series(dtype=object),
    }
)

EVENT_SCHEMA = pa.schema(
    [
        pa.field("journey", pa.string()),
        pa.field("ts", pa.timestamp("us", tz="UTC")),
        pa.field("seq", pa.int64()),
        pa.field("channel", pa.string()),
        pa.field("converted", pa.bool_()),
        pa.field("value", pa.float64()),
        pa.field("milestone", pa.string()),
    ]
)


def _attribute(events: pd.DataFrame, *, model: str, half_life: float, backend: Any) -> Attribution:
    table = pa.Table.from_pandas(events, schema=EVENT_SCHEMA, preserve_index=False)
    tables = journeys_from_events(ibis.memtable(table), has_value=True, has_milestones=True)
    return attribute_tables(tables, model=model, half_life=half_life, backend=backend)


def credit_report(*, model: str, by: str = "campaign") -> list[CreditRow]:
    """Pipeline and won revenue credited to each campaign (or channel) under ``model``.

    Results are cached for ten minutes per model, grouping, settings and data version,
    so the closed-loop page can show several models side by side without recomputing.
    """
    if model not in TABLE_MODELS:
        raise InvalidInput(
            f"Unknown attribution model {model!r}; choose one of {', '.join(TABLE_MODELS)}.",
            field="model",
        )
    if by not in ("campaign", "channel"):
        raise InvalidInput("Group credit by 'campaign' or 'channel'.", field="by")
    config = AttributionSettings.current()
    version = data_version()
    key = cache_key("credit", model, by, config.lookback_days, config.half_life_days, version)
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    rows = _credit_rows(model=model, by=by, config=config, version=version)
    cache.set(key, rows, journeys.CACHE_SECONDS)
    return rows


def _credit_rows(
    *, model: str, by: str, config: AttributionSettings, version: tuple[Any, ...]
) -> list[CreditRow]:
    deals = cached_deal_touches(lookback_days=config.lookback_days, version=version).to_pandas()
    backend = engines.connect()
    parts: dict[str, pd.DataFrame] = {}
    for measure in ("pipeline", "revenue"):
        parts[measure] = _deal_events(deals, by=by, measure=measure)
    if model in ("markov", "shapley"):
        # Data-driven models learn from the journeys that led nowhere as well.
        null_table = cached_non_deal_touches(lookback_days=config.lookback_days, version=version)
        nulls = _null_events(null_table.to_pandas(), by=by)
        parts = {m: pd.concat([p, nulls], ignore_index=True) for m, p in parts.items()}
    results = {
        measure: (
            _attribute(events, model=model, half_life=config.half_life_days, backend=backend)
            if events["converted"].any()
            else None
        )
        for measure, events in parts.items()
    }
    keys = sorted(
        {k for r in results.values() if r is not None for k in r.conversions}
        | set(parts["pipeline"]["channel"].dropna())
    )
    labels = _labels(keys, by=by)

    def take(measure: str, key: str) -> tuple[float, float]:
        result = results[measure]
        if result is None:
            return 0.0, 0.0
        value = result.value or {}
        return result.conversions.get(key, 0.0), value.get(key, 0.0)

    rows = []
    for key in keys:
        opportunities, pipeline = take("pipeline", key)
        won, revenue = take("revenue", key)
        label, channel, cost = labels[key]
        rows.append(
            CreditRow(
                key=key,
                label=label,
                channel=channel,
                cost=cost,
                opportunities=opportunities,
                pipeline=pipeline,
                deals_won=won,
                revenue=revenue,
            )
        )
    rows.sort(key=lambda r: (-r.revenue, -r.pipeline, r.label))
    return rows


def _labels(keys: list[str], *, by: str) -> dict[str, tuple[str, str, float | None]]:
    """(label, channel, cost) for each key."""
    channel_labels = dict(Channel.choices)
    if by == "channel":
        return {k: (channel_labels.get(k, k), k, None) for k in keys}
    ids = [int(k) for k in keys if not k.startswith(NO_CAMPAIGN)]
    campaigns = {
        c.pk: c for c in Campaign.objects.filter(pk__in=ids).only("name", "channel", "actual_cost")
    }
    out: dict[str, tuple[str, str, float | None]] = {}
    for key in keys:
        if key.startswith(NO_CAMPAIGN):
            channel = key[len(NO_CAMPAIGN) :]
            out[key] = (f"{channel_labels.get(channel, channel)} (no campaign)", channel, None)
            continue
        campaign = campaigns.get(int(key))
        if campaign is None:  # deleted since the touches were read
            out[key] = (f"Campaign {key}", "", None)
            continue
        cost = float(campaign.actual_cost) if campaign.actual_cost is not None else None
        out[key] = (campaign.name, campaign.channel, cost)
    return out


def deal_credit(opportunity: Opportunity, *, model: str | None = None) -> list[TouchCredit]:
    """The campaigns (and content) that touched ``opportunity``'s committee, with credit.

    Rule-based models weight the deal's own touches. The data-driven models (Markov,
    Shapley) weigh a deal by what its campaigns earned across all deals: each campaign
    on the deal gets a share in proportion to its credited opportunities overall.
    """
    config = AttributionSettings.current()
    model = model or config.model
    table = deal_touches(lookback_days=config.lookback_days, opportunity_ids=[opportunity.pk])
    deals = table.to_pandas()
    if deals.empty:
        return []
    deals["key"] = _key("campaign", deals["channel"], deals["campaign_id"])
    if model in ("markov", "shapley"):
        overall = {row.key: max(row.opportunities, 0.0) for row in credit_report(model=model)}
        weights = deals["key"].map(lambda k: overall.get(k, 0.0)).astype(float)
        per_key = weights.groupby(deals["key"]).first()
        if per_key.sum() <= 0:  # none of its campaigns earned credit anywhere
            per_key[:] = 1.0
        shares = per_key / per_key.sum()
    else:
        if model not in TABLE_MODELS:
            raise InvalidInput(f"Unknown attribution model {model!r}.", field="model")
        # The deal is one journey that converts once: its credit per campaign is the share.
        events = _deal_events(deals, by="campaign", measure="pipeline")
        result = _attribute(
            events, model=model, half_life=config.half_life_days, backend=engines.connect()
        )
        shares = pd.Series(dict(result.conversions), dtype=float)
    labels = _labels(sorted(shares.index), by="campaign")
    amount = float(opportunity.amount)
    credits = []
    for key, group in deals.groupby("key"):
        label, channel, _ = labels[str(key)]
        campaign_id = None if str(key).startswith(NO_CAMPAIGN) else int(key)
        share = float(shares.get(key, 0.0))
        credits.append(
            TouchCredit(
                campaign_id=campaign_id,
                label=label,
                channel=channel,
                content=sorted(
                    {u for u in group.loc[group["type"].isin(CONTENT_TYPES), "url"].dropna() if u}
                ),
                touches=len(group),
                share=share,
                amount=share * amount,
            )
        )
    credits.sort(key=lambda c: (-c.share, c.label))
    return credits
