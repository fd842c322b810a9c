"""Insights on Apache Spark: the same SQL, run by Spark SQL over the same three relations.

Insight builders write DuckDB-flavoured standard SQL and ask the engine's dialect for the
functions whose meaning differs (time zones); :class:`SparkEngine` hands the text to
sqlglot, which rewrites the remaining spellings (``json_extract_string`` →
``get_json_object``, ``arg_min`` → ``min_by``…) for Spark, and runs it with
``spark.sql``. The session runs in UTC with ANSI mode off, so casts that fail give NULL as
DuckDB's ``TRY_CAST`` does.

Relations come from Parquet (:func:`spark_engine_from_parquet`, which is how a copy of
prodloop's lake is read) or from tables already in a warehouse: register views named
``person_events``, ``persons`` and ``accounts`` with the documented columns over them and
build ``SparkEngine(spark)``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from prodloop.analytics.query.dialect import SPARK, Dialect
from prodloop.analytics.query.engine import DuckDBEngine

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from sqlalchemy.orm import Session

    from prodloop.analytics.lake import EventLake
    from prodloop.ledger.models import Account

RELATIONS = ("person_events", "persons", "accounts")


def local_spark_session(*, cores: int = 2, app_name: str = "prodloop") -> SparkSession:
    """A local-mode Spark session configured as prodloop expects (UTC, ANSI off, no UI).

    To use a cluster instead, build the session yourself with
    ``SparkSession.builder.remote("sc://host:15002")`` or ``.master("spark://host:7077")`` and
    the same three ``spark.sql`` settings.
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(max(cores, 1)))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _exact_percentiles(node: exp.Expression) -> exp.Expression:
    """DuckDB's ``quantile_cont(x, q)`` as Spark's exact ``percentile(x, q)``.

    Both interpolate linearly between the closest ranks; sqlglot would otherwise write
    ``PERCENTILE_CONT(x, q)``, which Spark 3.5 does not know.
    """
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
    return node


def to_spark_sql(sql: str) -> str:
    """``sql`` (DuckDB-flavoured, with the Spark dialect's functions) rewritten for Spark."""
    statements = sqlglot.parse(sql, read="duckdb")
    return ";\n".join(
        statement.transform(_exact_percentiles).sql(dialect="spark")
        for statement in statements
        if statement is not None
    )


@dataclass
class SparkEngine:
    """An engine over a Spark session whose catalog has the three relations."""

    spark: SparkSession
    dialect: Dialect = field(default=SPARK)

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows ``sql`` returns, as tuples (like DuckDB's)."""
        return [tuple(row) for row in self.spark.sql(to_spark_sql(sql)).collect()]


def spark_engine_from_parquet(spark: SparkSession, folder: Path) -> SparkEngine:
    """Register ``folder/<relation>.parquet`` (files or directories) as the three relations."""
    for name in RELATIONS:
        spark.read.parquet(str(folder / f"{name}.parquet")).createOrReplaceTempView(name)
    return SparkEngine(spark)


def export_parquet(engine: DuckDBEngine, folder: Path) -> Path:
    """Write a DuckDB engine's three relations to ``folder`` as Parquet (JSON as text)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in RELATIONS:
        target = str(folder / f"{name}.parquet").replace("'", "''")
        engine.connection.execute(
            f"COPY (SELECT * REPLACE (CAST(properties AS VARCHAR) AS properties) FROM {name}) "
            f"TO '{target}' (FORMAT parquet)"
            if name != "accounts"
            else f"COPY (SELECT * FROM {name}) TO '{target}' (FORMAT parquet)"
        )
    return folder


def spark_engine_from_lake(
    spark: SparkSession,
    lake: EventLake,
    accounts: Session | Sequence[Account | Mapping[str, Any]] = (),
    folder: Path | None = None,
) -> SparkEngine:
    """A Spark engine over a snapshot of prodloop's own lake (identity resolved) as Parquet.

    ``folder`` must be readable by every Spark executor (a shared or object-store path
    when the session runs on a cluster).
    """
    from prodloop.analytics.query.lake_engine import lake_engine

    engine = lake_engine(lake, accounts)
    try:
        return spark_twin(spark, engine, folder)
    finally:
        engine.connection.close()


def spark_twin(
    spark: SparkSession, engine: DuckDBEngine, folder: Path | None = None
) -> SparkEngine:
    """A Spark engine over exactly the rows ``engine`` holds (for parity checks)."""
    where = folder or Path(tempfile.mkdtemp(prefix="prodloop-spark-"))
    return spark_engine_from_parquet(spark, export_parquet(engine, where))
