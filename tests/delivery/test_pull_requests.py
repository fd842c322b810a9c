"""Pull-request cycle time by stage, worked out by hand from DevLake's definitions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from prodloop.delivery.pull_requests import (
    DeploymentIndex,
    pull_request_cycle,
    pull_request_cycles,
    summarise_cycles,
)
from tests.delivery.maths_helpers import deployment, pull_request, utc

HOUR = 1 / 24


def test_all_four_stages() -> None:
    pr = pull_request(
        1,
        utc(2024, 5, 6, 8),
        first_commit=utc(2024, 5, 5, 9),  # coding 23 h
        first_review=utc(2024, 5, 6, 10),  # pickup 2 h
        merged=utc(2024, 5, 6, 16),  # review 6 h
        sha="a1",
    )
    shipped = deployment("D1", utc(2024, 5, 6, 18), commits=("zz", "a1"))  # deploy 2 h
    cycle = pull_request_cycle(pr, DeploymentIndex([shipped]))
    assert cycle is not None
    assert cycle.coding_days == pytest.approx(23 * HOUR)
    assert cycle.pickup_days == pytest.approx(2 * HOUR)
    assert cycle.review_days == pytest.approx(6 * HOUR)
    assert cycle.deploy_days == pytest.approx(2 * HOUR)
    assert cycle.deployment_key == "D1"
    assert cycle.cycle_days == pytest.approx(33 * HOUR)


def test_no_review_means_review_is_created_to_merged_and_pickup_is_unknown() -> None:
    pr = pull_request(2, utc(2024, 5, 7, 8), merged=utc(2024, 5, 7, 9), sha="b2")
    cycle = pull_request_cycle(pr, DeploymentIndex([]))
    assert cycle is not None
    assert cycle.coding_days is None
    assert cycle.pickup_days is None
    assert cycle.review_days == pytest.approx(HOUR)
    assert cycle.deploy_days is None
    assert cycle.cycle_days == pytest.approx(HOUR)  # missing stages count as zero


def test_the_first_successful_production_deployment_containing_the_merge_wins() -> None:
    merged = utc(2024, 5, 8, 12)
    pr = pull_request(3, merged - timedelta(hours=1), merged=merged, sha="c3")
    deployments = [
        deployment("failed", merged + timedelta(hours=1), commits=("c3",), succeeded=False),
        deployment("staging", merged + timedelta(hours=1), commits=("c3",), production=False),
        deployment("later", merged + timedelta(hours=5), commits=("c3",)),
        deployment("first", merged + timedelta(hours=3), commits=("c3",)),
        deployment("by-head-sha", merged + timedelta(hours=9)),
    ]
    cycle = pull_request_cycle(pr, DeploymentIndex(deployments))
    assert cycle is not None
    assert cycle.deployment_key == "first"
    assert cycle.deploy_days == pytest.approx(3 * HOUR)
    head = replace(deployment("head", merged + timedelta(hours=2)), sha="c3")
    assert DeploymentIndex([head]).first_shipping("c3") == head


def test_unmerged_prs_are_skipped_and_negative_spans_are_unknown() -> None:
    open_pr = pull_request(4, utc(2024, 5, 9), merged=None)
    assert pull_request_cycle(open_pr, DeploymentIndex([])) is None
    rebased = pull_request(
        5, utc(2024, 5, 9, 8), first_commit=utc(2024, 5, 9, 9), merged=utc(2024, 5, 9, 10)
    )
    cycle = pull_request_cycle(rebased, DeploymentIndex([]))
    assert cycle is not None
    assert cycle.coding_days is None  # first commit after the PR was opened


def test_medians_per_stage() -> None:
    base = utc(2024, 5, 1)
    prs = [
        pull_request(
            n,
            base,
            first_commit=base - timedelta(hours=n),  # coding n hours
            first_review=base + timedelta(hours=1) if n != 3 else None,
            merged=base + timedelta(hours=2 * n),
            sha=f"s{n}",
        )
        for n in (1, 2, 3, 4)
    ]
    deployments = [deployment("D", base + timedelta(hours=10), commits=("s1", "s2"))]
    summary = summarise_cycles(pull_request_cycles(prs, deployments))
    assert summary.pull_requests == 4
    assert summary.coding_days == pytest.approx(2.5 * HOUR)  # 1, 2, 3, 4 hours
    assert summary.pickup_days == pytest.approx(HOUR)  # PRs 1, 2, 4: one hour each
    # review: PR1 1 h, PR2 3 h, PR3 6 h (no review: created → merged), PR4 7 h
    assert summary.review_days == pytest.approx(4.5 * HOUR)
    assert summary.deploy_days == pytest.approx(7 * HOUR)  # PR1 8 h, PR2 6 h
    # cycle: PR1 1+2+8 = 11, PR2 2+4+6 = 12, PR3 3+6 = 9, PR4 4+8 = 12 hours
    assert summary.cycle_days == pytest.approx(11.5 * HOUR)
    empty = summarise_cycles([])
    assert (empty.pull_requests, empty.cycle_days, empty.coding_days) == (0, None, None)
