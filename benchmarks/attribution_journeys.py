"""Synthetic customer journeys for the attribution benchmark, aggregated by path.

Deterministic for a given seed (numpy RNG). Each journey is a sequence of 1 to
``MAX_TOUCHES`` touches on 12 channels:

- path length: geometric (mean about 3), truncated at ``MAX_TOUCHES``;
- channel popularity: Zipf-like (the most used channel is about 12 times as common as
  the least used);
- timing: each channel has a preferred place in the journey (paid social and display
  early, email, direct and sales outreach late), so the channel at a position is drawn
  with weight ``popularity * exp(-(relative position - preferred place)^2 / 0.125)``;
- one touch in five repeats the previous channel (email > email);
- conversion: a logistic draw on the distinct channels present (sales outreach,
  partners, events and webinars raise the odds; display and paid social barely do),
  about 5 % of journeys convert;
- value of a conversion: lognormal (median about 3,000), higher when sales outreach
  or a partner was involved.

:func:`path_table` aggregates journeys into ChannelAttribution's path format: one row
per distinct path with ``path`` ("a > b > c"), ``total_conversions``,
``total_conversion_value`` and ``total_null``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_TOUCHES = 10
REPEAT_PROBABILITY = 0.2
MEAN_EXTRA_TOUCHES = 2.0  # path length is 1 + a truncated geometric with this mean
POSITION_WIDTH = 0.25

# name, popularity rank (1 = most used), preferred place (0 = first touch, 1 = last),
# effect on the log-odds of converting when present in the journey.
CHANNELS = [
    ("paid_search", 1, 0.35, 0.30),
    ("organic_search", 2, 0.40, 0.25),
    ("email", 3, 0.75, 0.35),
    ("paid_social", 4, 0.05, 0.05),
    ("direct", 5, 0.90, 0.45),
    ("display", 6, 0.00, -0.10),
    ("content_syndication", 7, 0.25, 0.10),
    ("referral", 8, 0.50, 0.40),
    ("webinar", 9, 0.55, 0.60),
    ("sales_outreach", 10, 0.95, 0.90),
    ("events", 11, 0.50, 0.70),
    ("partner", 12, 0.60, 0.80),
]  # fmt: skip
CHANNEL_NAMES = [name for name, *_ in CHANNELS]
ZIPF_EXPONENT = 1.0
CONVERSION_INTERCEPT = -4.15
CONVERSION_PER_TOUCH = 0.05
VALUE_MEDIAN = 3_000.0
VALUE_SIGMA = 0.9
VALUE_UPLIFT = {"sales_outreach": 1.6, "partner": 1.3}
POSITION_BINS = 21  # relative positions are rounded to twentieths


def generate(n: int, seed: int = 42) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` journeys: channel indices (n x MAX_TOUCHES, -1 after the end), converted, value."""
    rng = np.random.default_rng(seed)
    k = len(CHANNELS)
    popularity = np.array([1.0 / rank**ZIPF_EXPONENT for _, rank, _, _ in CHANNELS])
    place = np.array([p for _, _, p, _ in CHANNELS])
    lift = np.array([e for *_, e in CHANNELS])

    # Truncated geometric length by inverse CDF: P(extra >= j) = q**j, j < MAX_TOUCHES.
    q = MEAN_EXTRA_TOUCHES / (1.0 + MEAN_EXTRA_TOUCHES)
    u = rng.random(n)
    extra = np.floor(np.log1p(-u * (1.0 - q**MAX_TOUCHES)) / np.log(q))
    length = (1 + np.minimum(extra, MAX_TOUCHES - 1)).astype(np.int64)

    # One cumulative channel distribution per relative-position bin.
    grid = np.linspace(0.0, 1.0, POSITION_BINS)
    weights = popularity * np.exp(-((grid[:, None] - place) ** 2) / (2 * POSITION_WIDTH**2))
    cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0

    touches = np.full((n, MAX_TOUCHES), -1, dtype=np.int64)
    for position in range(MAX_TOUCHES):
        alive = np.flatnonzero(length > position)
        if alive.size == 0:
            break
        span = np.maximum(length[alive] - 1, 1)
        relative = np.where(length[alive] > 1, position / span, 0.5)
        bins = np.rint(relative * (POSITION_BINS - 1)).astype(np.int64)
        draw = rng.random(alive.size)
        channel = (draw[:, None] > cdf[bins]).sum(axis=1)
        if position > 0:
            repeat = rng.random(alive.size) < REPEAT_PROBABILITY
            channel = np.where(repeat, touches[alive, position - 1], channel)
        touches[alive, position] = channel

    present = np.zeros((n, k), dtype=bool)
    rows = np.repeat(np.arange(n), MAX_TOUCHES).reshape(n, MAX_TOUCHES)
    valid = touches >= 0
    present[rows[valid], touches[valid]] = True
    logit = CONVERSION_INTERCEPT + present @ lift + CONVERSION_PER_TOUCH * length
    converted = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))

    uplift = np.ones(n)
    for name, factor in VALUE_UPLIFT.items():
        uplift[present[:, CHANNEL_NAMES.index(name)]] *= factor
    value = np.round(rng.lognormal(np.log(VALUE_MEDIAN), VALUE_SIGMA, n) * uplift, 2)
    return touches, converted, np.where(converted, value, 0.0)


def path_table(touches: np.ndarray, converted: np.ndarray, value: np.ndarray) -> pd.DataFrame:
    """One row per distinct path, in ChannelAttribution's path format."""
    base = len(CHANNELS) + 1
    code = np.zeros(len(touches), dtype=np.int64)
    for position in range(touches.shape[1]):
        code = code * base + (touches[:, position] + 1)
    codes, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    conversions = np.bincount(inverse, weights=converted, minlength=len(codes))
    journeys = np.bincount(inverse, minlength=len(codes))
    paths = [" > ".join(CHANNEL_NAMES[c] for c in row if c >= 0) for row in touches[first].tolist()]
    return pd.DataFrame(
        {
            "path": paths,
            "total_conversions": conversions.astype(np.int64),
            "total_conversion_value": np.round(
                np.bincount(inverse, weights=value, minlength=len(codes)), 2
            ),
            "total_null": (journeys - conversions).astype(np.int64),
        }
    )
