"""The shared ground every insight stands on: the relations it reads, time buckets, dialects.

Insights are written once as SQL over three relations and run unchanged on every engine
that provides them (DuckDB embedded by default; Spark for scale-out):

``person_events``
    one row per event with the identity already resolved:
    ``uuid, event, timestamp (TIMESTAMPTZ, UTC), distinct_id, person_id, account_id,
    properties (JSON), current_url, browser, os, lib``
``persons``
    ``person_id, properties (JSON)`` — person properties after ``$set`` / ``$set_once``
``accounts``
    ``account_id, name, segment, arr (DOUBLE), arr_band`` — the ledger's accounts

The few functions whose spelling differs between engines (time zone conversion, JSON
access, truncation) come from a :class:`~prodloop.analytics.query.dialect.Dialect`, so an
insight's SQL is generated once per engine and is exactly what "show SQL" displays.
"""

from prodloop.analytics.query.buckets import Interval, bucket_labels, local_range
from prodloop.analytics.query.dialect import DUCKDB, SPARK, Dialect

__all__ = ["DUCKDB", "SPARK", "Dialect", "Interval", "bucket_labels", "local_range"]
