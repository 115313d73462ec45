"""The same attribution expressions give the same numbers on PySpark as on DuckDB.

Runs a local Spark (``local[2]``) with the machine's Java. Skipped when PySpark or Java
is missing, except under CI=true, where a missing engine fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pytest

from tandem.core.attribution.engine import TABLE_MODELS, attribute_tables, journeys_from_events

# No database involved: the PostgreSQL leg of the suite leaves it out.
pytestmark = pytest.mark.spark

CHANNELS = [f"ch{i:02d}" for i in range(8)]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    missing = None
    if shutil.which("java") is None:
        missing = "Java is not installed"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = "PySpark is not installed"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}; the Spark parity check cannot run")
        pytest.skip(missing)
    from tandem.analytics.engines import connect, spark_session

    backend = connect("local[2]")
    yield backend
    spark_session().stop()


def generated_events(journeys: int, seed: int) -> pa.Table:
    """Journeys of 1-6 touches over a few weeks; later channels convert more often."""
    rng = np.random.default_rng(seed)
    rows: dict[str, list[Any]] = {k: [] for k in ("journey", "ts", "seq", "channel")}
    rows.update(converted=[], value=[], milestone=[])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    seq = 0
    for journey in range(journeys):
        length = int(rng.integers(1, 7))
        picks = rng.choice(len(CHANNELS), size=length, p=np.linspace(2, 1, len(CHANNELS)) / 12)
        days = np.sort(rng.integers(0, 60, size=length))
        converts = rng.random() < 0.1 + 0.05 * picks.max() / 2
        for position, (channel, day) in enumerate(zip(picks, days, strict=True)):
            last = position == length - 1
            rows["journey"].append(f"j{journey}")
            rows["ts"].append(start + timedelta(days=int(day), hours=position))
            rows["seq"].append(seq)
            rows["channel"].append(CHANNELS[channel])
            rows["converted"].append(bool(converts and last))
            rows["value"].append(float(rng.integers(100, 5000)) if converts and last else None)
            milestone = "lead" if position == 1 else ("opportunity" if position == 3 else None)
            rows["milestone"].append(milestone)
            seq += 1
    return pa.table(
        {
            **rows,
            "ts": pa.array(rows["ts"], pa.timestamp("us", "UTC")),
            "value": pa.array(rows["value"], pa.float64()),
            "milestone": pa.array(rows["milestone"], pa.string()),
        }
    )


def test_duckdb_and_pyspark_agree_on_every_model(spark: Any) -> None:
    table = ibis.memtable(generated_events(1500, seed=7))
    tables = journeys_from_events(table, lookback_days=45, has_value=True, has_milestones=True)
    duck = ibis.duckdb.connect()
    for model in TABLE_MODELS:
        order = 2 if model == "markov" else 1
        expected = attribute_tables(tables, model=model, order=order, backend=duck)
        got = attribute_tables(tables, model=model, order=order, backend=spark)
        assert sum(expected.conversions.values()) > 0, model
        assert set(got.conversions) == set(expected.conversions), model
        assert expected.value is not None and got.value is not None
        for channel, conversions in expected.conversions.items():
            assert got.conversions[channel] == pytest.approx(conversions, rel=1e-9), model
            assert got.value[channel] == pytest.approx(expected.value[channel], rel=1e-9), model
