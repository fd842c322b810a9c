"""The experiment pages and the analysis endpoint over a real event lake: the HTML shows the
verdict, results and charts; the JSON twin carries the same analysis as the API."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from prodloop.analytics.lake import EventLake
from prodloop.analytics.metrics import MetricIn, create_metric
from prodloop.experiments.flags import Exposure, FlagIn, UnitType
from prodloop.experiments.flags.lake_sink import exposure_record
from prodloop.experiments.flags.service import create_flag
from prodloop.experiments.registry.schemas import ExperimentIn
from prodloop.experiments.registry.service import create_experiment, start_experiment
from prodloop.store import unit_of_work

START = datetime.now(UTC) - timedelta(days=10)


def _seed(app: FastAPI) -> None:
    with unit_of_work(app.state.sessions) as session:
        create_metric(
            session,
            MetricIn(key="signup", name="Sign-ups", kind="conversion", event="signed_up"),
            actor="t",
        )
        create_flag(
            session,
            FlagIn.model_validate(
                {
                    "key": "sso",
                    "enabled": True,
                    "variants": [{"key": "control", "weight": 0.5}, {"key": "sso", "weight": 0.5}],
                }
            ),
            actor="t",
        )
        experiment = create_experiment(
            session,
            ExperimentIn(
                key="sso-signup", name="SSO at sign-up", feature="sso", primary_metric="signup"
            ),
            actor="t",
        )
        start_experiment(session, experiment, actor="t", at=START)
        create_experiment(
            session,
            ExperimentIn(
                key="draft-one", name="A draft", feature="dark-mode", primary_metric="signup"
            ),
            actor="t",
        )
    rng = random.Random(3)
    records = []
    for number in range(600):
        variant = "control" if number % 2 else "sso"
        unit = f"u{number}"
        moment = START + timedelta(days=rng.uniform(0, 8))
        exposure = Exposure("sso", variant, UnitType.PERSON, unit, moment, "rollout")
        records.append(exposure_record(exposure, experiment="sso-signup"))
        if rng.random() < (0.2 if variant == "control" else 0.4):
            records.append(
                {
                    **exposure_record(exposure),
                    "uuid": f"signup-{number}",
                    "event": "signed_up",
                    "timestamp": (moment + timedelta(hours=1)).isoformat(),
                    "properties": {},
                }
            )
    EventLake(app.state.settings).append(records)


def test_the_experiment_page_shows_the_readout(app: FastAPI, viewer: TestClient) -> None:
    _seed(app)
    api = viewer.get("/api/v1/experiments/sso-signup/analysis")
    assert api.status_code == 200, api.text
    analysis = api.json()
    assert [v["units"] for v in analysis["variants"]] == [300, 300]
    lift = analysis["metrics"][0]["rows"][1]["lift"]
    page = viewer.get("/experiments/sso-signup?format=json").json()
    assert page["analysis"]["metrics"][0]["rows"] == analysis["metrics"][0]["rows"]
    assert page["analysis"]["summary"] == analysis["summary"]
    assert page["charts"]["metric-signup"]["data"]["values"][0]["lift"] == lift
    assert page["charts"]["cumulative"]["data"]["values"]
    html = viewer.get("/experiments/sso-signup")
    assert html.status_code == 200
    assert analysis["summary"] in html.text
    assert f"{lift * 100:+.1f}%" in html.text
    assert 'data-chart="cumulative"' in html.text


def test_the_registry_page_lists_experiments_and_metrics(app: FastAPI, viewer: TestClient) -> None:
    _seed(app)
    page = viewer.get("/experiments?format=json").json()
    assert {e["key"] for e in page["experiments"]} == {"sso-signup", "draft-one"}
    assert page["counts"]["running"] == 1
    assert page["counts"]["draft"] == 1
    html = viewer.get("/experiments").text
    assert "SSO at sign-up" in html
    assert 'href="/experiments"' in html
    draft = viewer.get("/experiments/draft-one")
    assert draft.status_code == 200
    assert "Not started" in draft.text
    assert viewer.get("/experiments/nope").status_code == 404
