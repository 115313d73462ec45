"""Which Ibis engine runs the attribution queries: DuckDB in process unless told.

``TANDEM_ANALYTICS_URL`` (or ``--engine`` on the command line) picks it:

- empty or ``duckdb``: DuckDB in memory, in this process (the default);
- ``spark`` or ``local[N]``: a Spark session on this machine with N cores
  (``local[*]`` for all of them);
- ``spark://host:7077``, ``yarn``, ``k8s://https://host:443``: a Spark cluster, with
  the master URL Spark itself takes (``pip install "tandem[spark]"``; the cluster's
  own settings come from ``SPARK_CONF_DIR`` as for any Spark program);
- any other URL Ibis connects to, such as ``clickhouse://user:pass@host:9000/db`` or
  ``trino://user@host:8080/catalog/schema``, with that backend's package installed.
"""

from __future__ import annotations

import os
from typing import Any

from tandem.core.attribution import AttributionError

ENV_VAR = "TANDEM_ANALYTICS_URL"


def _is_spark(url: str) -> bool:
    return url == "spark" or url.startswith(("local", "spark://", "yarn", "k8s://"))


def connect(url: str | None = None) -> Any:
    """An Ibis backend for ``url`` (see the module text); DuckDB when empty."""
    import ibis

    url = (url if url is not None else os.environ.get(ENV_VAR, "")).strip()
    if url in ("", "duckdb"):
        return ibis.duckdb.connect()
    if _is_spark(url):
        return ibis.pyspark.connect(spark_session(url))
    try:
        return ibis.connect(url)
    except Exception as exc:  # each backend raises its own kinds of errors
        raise AttributionError(f"cannot connect to the analytics engine {url!r}: {exc}") from exc


def spark_session(url: str = "local[2]") -> Any:
    """A Spark session for ``url`` (``spark`` means ``local[2]``), quiet on the console."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise AttributionError(
            'the Spark engine needs PySpark: pip install "tandem[spark]"'
        ) from None
    master = "local[2]" if url == "spark" else url
    session = (
        SparkSession.builder.master(master)
        .appName("tandem-attribution")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4" if master.startswith("local") else "200")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session
