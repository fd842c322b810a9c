"""One local Spark session for the parity tests (a JVM start costs seconds; share it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A local-mode session; in CI a missing Java fails the test rather than skipping it."""
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("Java is required for the Spark parity tests (install a JRE 17)")
        pytest.skip("no Java on this machine")
    from prodloop.analytics.query.spark_engine import local_spark_session

    session = local_spark_session(app_name="prodloop-tests")
    yield session
    session.stop()
