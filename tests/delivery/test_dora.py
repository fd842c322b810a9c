"""DORA's four keys on small cases worked out by hand from Apache DevLake's definitions.

The main case is one week, Monday 6 to Sunday 12 May 2024, in UTC:

=========  =====================  ==========  ==========================================
key        finished               commits     note
=========  =====================  ==========  ==========================================
P0         Sun 5 May 23:00        old         before the period
D1         Mon 6 May 09:10        a1
D2         Mon 6 May 15:10
D3         Tue 7 May 10:20        b2          caused incident I1
F1         Wed 8 May 12:00                    failed: not a deployment
D4         Thu 9 May 11:30        c3          caused incident I2
D5         Thu 9 May 16:05
S1         Fri 10 May 12:00                   staging: not a deployment
=========  =====================  ==========  ==========================================

* deployment frequency: 5 deployments on 3 days (Mon, Tue, Thu); 3 deployment days in the
  only week and the only month, so the medians are 3 and 3.
* change failure rate: I1 (created Tue 12:00) links to D3, the last deployment finished
  before it; I2 (no repository, created Thu 13:00) links to D4; I3 names the ``web``
  repository, which never deployed, so it links to nothing. 2 of 5 deployments failed: 40%.
* recovery time: only I1 is resolved, at Tue 14:20: 4 hours after D3 finished.
* lead time: PR1 = coding 23 h + open 50 min + deploy 20 min = 24 h 10 min; PR2 = open 1 h +
  deploy 1 h 20 min = 2 h 20 min; PR3 = coding 1 h + open 26 h + deploy 1 h 30 min = 28 h
  30 min. PR4 never shipped and PR5 shipped before the period. Median: 24 h 10 min.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodloop.delivery.dora import (
    change_failure_rate,
    deployment_frequency,
    dora_report,
    failed_deployment_recovery_time,
    lead_time_for_changes,
    link_incidents,
)
from prodloop.delivery.dora_bands import PerformanceBand
from prodloop.delivery.facts import DeploymentFacts
from prodloop.delivery.periods import Period
from tests.delivery.maths_helpers import deployment, incident, instants, pull_request, utc

HOUR = 1 / 24
WEEK = Period(date(2024, 5, 6), date(2024, 5, 13))

DEPLOYMENTS = [
    deployment("P0", utc(2024, 5, 5, 23), commits=("old",)),
    deployment("D1", utc(2024, 5, 6, 9, 10), commits=("a1",)),
    deployment("D2", utc(2024, 5, 6, 15, 10)),
    deployment("D3", utc(2024, 5, 7, 10, 20), commits=("b2",)),
    deployment("F1", utc(2024, 5, 8, 12), succeeded=False),
    deployment("D4", utc(2024, 5, 9, 11, 30), commits=("c3",)),
    deployment("D5", utc(2024, 5, 9, 16, 5)),
    deployment("S1", utc(2024, 5, 10, 12), production=False),
]
INCIDENTS = [
    incident("I1", utc(2024, 5, 7, 12), resolved=utc(2024, 5, 7, 14, 20)),
    incident("I2", utc(2024, 5, 9, 13), repo=None),
    incident("I3", utc(2024, 5, 8, 9), resolved=utc(2024, 5, 8, 10), repo="web"),
]
PULL_REQUESTS = [
    pull_request(
        1,
        utc(2024, 5, 6, 8),
        first_commit=utc(2024, 5, 5, 9),
        first_review=utc(2024, 5, 6, 8, 30),
        merged=utc(2024, 5, 6, 8, 50),
        sha="a1",
    ),
    pull_request(2, utc(2024, 5, 7, 8), merged=utc(2024, 5, 7, 9), sha="b2"),
    pull_request(
        3,
        utc(2024, 5, 8, 8),
        first_commit=utc(2024, 5, 8, 7),
        first_review=utc(2024, 5, 8, 9),
        merged=utc(2024, 5, 9, 10),
        sha="c3",
    ),
    pull_request(4, utc(2024, 5, 9, 8), merged=utc(2024, 5, 9, 9), sha="never-shipped"),
    pull_request(5, utc(2024, 5, 5, 8), merged=utc(2024, 5, 5, 9), sha="old"),
]


def test_deployment_frequency_counts_deployment_days() -> None:
    frequency = deployment_frequency(DEPLOYMENTS, period=WEEK, time_zone="UTC")
    assert (frequency.deployments, frequency.deployment_days) == (5, 3)
    assert frequency.deployments_per_week == pytest.approx(5.0)
    assert frequency.deployments_per_month == pytest.approx(5 * 30.436875 / 7)
    assert [(w.start, w.deployments, w.deployment_days) for w in frequency.weeks] == [
        (date(2024, 5, 6), 5, 3)
    ]
    assert frequency.medians.per_week == 3
    assert frequency.medians.per_month == 3
    assert frequency.band is not None
    assert (frequency.band.year, frequency.band.band) == (2023, PerformanceBand.HIGH)
    assert frequency.band.label == "Between once per day and once per week"
    by_2021 = deployment_frequency(DEPLOYMENTS, period=WEEK, time_zone="UTC", report_year=2021)
    by_2022 = deployment_frequency(DEPLOYMENTS, period=WEEK, time_zone="UTC", report_year=2022)
    assert by_2021.band is not None
    assert by_2021.band.band is PerformanceBand.HIGH
    assert by_2022.band is not None
    assert by_2022.band.band is PerformanceBand.MEDIUM


def test_deployment_days_are_local_days() -> None:
    evening = [
        deployment("E1", utc(2024, 5, 6, 20)),  # Monday 13:00 in Los Angeles
        deployment("E2", utc(2024, 5, 7, 2)),  # still Monday 19:00 in Los Angeles
    ]
    assert deployment_frequency(evening, period=WEEK, time_zone="UTC").deployment_days == 2
    pacific = deployment_frequency(evening, period=WEEK, time_zone="America/Los_Angeles")
    assert pacific.deployment_days == 1


def test_change_failure_rate_links_incidents_to_the_latest_earlier_deployment() -> None:
    links = link_incidents(DEPLOYMENTS, INCIDENTS)
    assert {key: d.key if d else None for key, d in links.items()} == {
        "I1": "D3",
        "I2": "D4",
        "I3": None,
    }
    rate = change_failure_rate(DEPLOYMENTS, INCIDENTS, period=WEEK, time_zone="UTC")
    assert (rate.deployments, rate.failed_deployments) == (5, 2)
    assert rate.rate == pytest.approx(0.4)
    assert rate.failed_deployment_keys == ("D3", "D4")
    assert rate.band is not None
    assert rate.band.band is PerformanceBand.LOW


def test_recovery_time_runs_from_the_linked_deployment_to_resolution() -> None:
    recovery = failed_deployment_recovery_time(DEPLOYMENTS, INCIDENTS, period=WEEK, time_zone="UTC")
    assert recovery.incidents == 1
    assert recovery.recoveries[0].deployment_key == "D3"
    assert recovery.median_days == pytest.approx(4 * HOUR)
    assert recovery.band is not None
    assert recovery.band.band is PerformanceBand.HIGH


def test_lead_time_for_changes_is_the_median_cycle_of_prs_deployed_in_the_period() -> None:
    lead_time = lead_time_for_changes(PULL_REQUESTS, DEPLOYMENTS, period=WEEK, time_zone="UTC")
    assert sorted(c.number for c in lead_time.cycles) == [1, 2, 3]
    cycles = {c.number: c.cycle_days for c in lead_time.cycles}
    assert cycles[1] == pytest.approx((24 + 10 / 60) * HOUR)
    assert cycles[2] == pytest.approx((2 + 20 / 60) * HOUR)
    assert cycles[3] == pytest.approx(28.5 * HOUR)
    assert lead_time.median_days == pytest.approx((24 + 10 / 60) * HOUR)
    assert lead_time.band is not None
    assert lead_time.band.band is PerformanceBand.HIGH


def test_report_bundles_the_four_keys() -> None:
    report = dora_report(
        deployments=DEPLOYMENTS,
        pull_requests=PULL_REQUESTS,
        incidents=INCIDENTS,
        period=WEEK,
        time_zone="UTC",
        report_year=2021,
    )
    assert report.change_failure_rate.rate == pytest.approx(0.4)
    assert report.deployment_frequency.band is not None
    assert report.deployment_frequency.band.year == 2021
    assert report.lead_time_for_changes.pull_requests == 3
    assert report.recovery_time.incidents == 1


def test_incidents_link_strictly_before_and_within_their_repository() -> None:
    finished = utc(2024, 5, 6, 12)
    deployments = [
        deployment("api-1", finished - timedelta(hours=2)),
        deployment("api-2", finished),
        deployment("web-1", finished - timedelta(hours=1), repo="web"),
    ]
    at_the_same_moment = incident("X1", finished)
    in_web = incident("X2", finished + timedelta(hours=1), repo="web")
    anywhere = incident("X3", finished - timedelta(minutes=30), repo=None)
    links = link_incidents(deployments, [at_the_same_moment, in_web, anywhere])
    assert {key: d.key if d else None for key, d in links.items()} == {
        "X1": "api-1",
        "X2": "web-1",
        "X3": "web-1",
    }


def test_recovery_needs_resolution_and_deployment_inside_the_period() -> None:
    deployments = [deployment("D", utc(2024, 5, 12, 20))]  # Sunday night
    incidents = [
        incident("late", utc(2024, 5, 12, 21), resolved=utc(2024, 5, 13, 1)),  # Monday
        incident("quick", utc(2024, 5, 12, 21), resolved=utc(2024, 5, 12, 22)),
    ]
    recovery = failed_deployment_recovery_time(deployments, incidents, period=WEEK, time_zone="UTC")
    assert [r.incident_key for r in recovery.recoveries] == ["quick"]
    assert recovery.median_days == pytest.approx(2 * HOUR)


def _daily(first: date, days: int, skip: Collection[int] = ()) -> list[DeploymentFacts]:
    return [
        deployment(f"day-{n}", utc(first.year, first.month, first.day, 12) + timedelta(days=n))
        for n in range(days)
        if n not in skip
    ]


@pytest.mark.parametrize(
    ("skip", "median_days", "band_2023", "band_2022"),
    [
        (set(), 7.0, PerformanceBand.ELITE, PerformanceBand.HIGH),
        ({27}, 7.0, PerformanceBand.ELITE, PerformanceBand.HIGH),  # weeks 7, 7, 7, 6
        ({20, 27}, 6.5, PerformanceBand.HIGH, PerformanceBand.MEDIUM),  # weeks 7, 7, 6, 6
    ],
)
def test_daily_deployers_are_elite_only_when_the_median_week_has_seven_days(
    skip: set[int], median_days: float, band_2023: PerformanceBand, band_2022: PerformanceBand
) -> None:
    four_weeks = Period(date(2024, 4, 1), date(2024, 4, 29))
    deployments = _daily(date(2024, 4, 1), 28, skip)
    frequency = deployment_frequency(deployments, period=four_weeks, time_zone="UTC")
    assert frequency.medians.per_week == median_days
    assert frequency.band is not None
    assert frequency.band.band is band_2023
    by_2022 = deployment_frequency(
        deployments, period=four_weeks, time_zone="UTC", report_year=2022
    )
    assert by_2022.band is not None
    assert by_2022.band.band is band_2022


def test_every_other_month_is_medium_in_2021_and_low_in_2023() -> None:
    year = Period(date(2023, 1, 1), date(2024, 1, 1))
    deployments = [deployment(f"m{m}", utc(2023, m, 15, 12)) for m in (1, 3, 5, 7, 9, 11)]
    frequency = deployment_frequency(deployments, period=year, time_zone="UTC", report_year=2021)
    assert frequency.medians.per_month == 0.5
    assert frequency.medians.per_six_months == 3
    assert frequency.band is not None
    assert frequency.band.band is PerformanceBand.MEDIUM
    by_2023 = deployment_frequency(deployments, period=year, time_zone="UTC")
    assert by_2023.band is not None
    assert by_2023.band.band is PerformanceBand.LOW
    once = deployment_frequency(deployments[:1], period=year, time_zone="UTC", report_year=2021)
    assert once.medians.per_six_months == 0.5  # blocks: 1 and 0
    assert once.band is not None
    assert once.band.band is PerformanceBand.LOW


def test_no_deployments_means_no_band_rather_than_low() -> None:
    frequency = deployment_frequency([], period=WEEK, time_zone="UTC")
    assert (frequency.deployments, frequency.band) == (0, None)
    rate = change_failure_rate([], INCIDENTS, period=WEEK, time_zone="UTC")
    assert (rate.rate, rate.band) == (None, None)
    lead_time = lead_time_for_changes(PULL_REQUESTS, [], period=WEEK, time_zone="UTC")
    assert (lead_time.median_days, lead_time.band) == (None, None)


deployment_rows = st.lists(
    st.tuples(instants, st.sampled_from(["api", "web"]), st.booleans(), st.booleans()),
    max_size=25,
)
incident_rows = st.lists(
    st.tuples(instants, st.sampled_from(["api", "web", "cli", None])), max_size=15
)


@settings(max_examples=80, deadline=None)
@given(deployment_rows=deployment_rows, incident_rows=incident_rows)
def test_incident_links_match_a_scan_of_every_deployment(
    deployment_rows: list[tuple[datetime, str, bool, bool]],
    incident_rows: list[tuple[datetime, str | None]],
) -> None:
    deployments = [
        deployment(f"D{n}", at, repo=repo, succeeded=ok, production=prod)
        for n, (at, repo, ok, prod) in enumerate(deployment_rows)
    ]
    incidents = [incident(f"I{n}", at, repo=repo) for n, (at, repo) in enumerate(incident_rows)]
    links = link_incidents(deployments, incidents)
    for item in incidents:
        candidates = [
            d
            for d in deployments
            if d.succeeded
            and d.production
            and d.finished_at < item.created_at
            and (item.repo is None or d.repo == item.repo)
        ]
        latest = max(candidates, key=lambda d: (d.finished_at, d.key), default=None)
        assert links[item.key] == latest
