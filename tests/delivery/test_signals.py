"""Warning signs: due-date slips, ownership gaps and firefighting, as statistics and signals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodloop.delivery.facts import DueDateChange, WorkItemFacts
from prodloop.delivery.firefighting import (
    UnplannedShare,
    least_squares_slope,
    mid_sprint_additions,
    unplanned_share_by_team,
    unplanned_trend,
)
from prodloop.delivery.ownership import bouncing_items, team_handoffs, unowned_work_by_team
from prodloop.delivery.periods import Granularity, Period
from prodloop.delivery.signals import (
    FeatureFacts,
    Severity,
    SignalKind,
    SubjectKind,
    delay_signals,
    feature_delay,
    firefighting_signals,
    ownership_signals,
)
from prodloop.delivery.slips import due_date_slips, item_due_date_slips, roll_up_item_slips
from tests.delivery.maths_helpers import local, utc, work_item

# --- due-date slips -----------------------------------------------------------------------


def redated(at: datetime, before: date | None, after: date | None) -> DueDateChange:
    return DueDateChange(at=at, from_date=before, to_date=after)


def test_slips_count_redatings_days_and_frequency() -> None:
    item = work_item(
        "S-1",
        utc(2024, 1, 1),
        due_date=date(2024, 3, 10),
        due_changes=(
            redated(utc(2024, 2, 20), date(2024, 3, 15), date(2024, 3, 10)),  # pulled in
            redated(utc(2024, 1, 10), None, date(2024, 2, 1)),  # first set
            redated(utc(2024, 1, 30), date(2024, 2, 1), date(2024, 3, 15)),  # +43 days
        ),
    )
    slips = item_due_date_slips(item)
    assert (slips.redatings, slips.slips, slips.days_slipped) == (2, 1, 43)
    assert (slips.first_due_date, slips.current_due_date) == (date(2024, 2, 1), date(2024, 3, 10))
    assert slips.first_set_at == utc(2024, 1, 10)
    assert slips.mean_days_between_redatings == pytest.approx(41 / 2)  # 10 Jan → 20 Feb


def test_clearing_then_setting_a_date_is_one_redating() -> None:
    slips = due_date_slips(
        "S-2",
        [
            redated(utc(2024, 1, 5), date(2024, 2, 1), None),
            redated(utc(2024, 1, 9), None, date(2024, 2, 11)),
        ],
        created_at=utc(2024, 1, 1),
    )
    assert (slips.redatings, slips.days_slipped) == (1, 10)
    assert slips.first_set_at == utc(2024, 1, 1)  # the date predates its history
    assert slips.mean_days_between_redatings == pytest.approx(8.0)


def test_never_redated() -> None:
    slips = due_date_slips("S-3", [redated(utc(2024, 1, 5), None, date(2024, 2, 1))])
    assert (slips.redatings, slips.mean_days_between_redatings) == (0, None)
    assert slips.current_due_date == date(2024, 2, 1)


def test_feature_roll_up_of_item_slips() -> None:
    moved = (redated(utc(2024, 1, 9), date(2024, 2, 1), date(2024, 2, 8)),)
    items = [
        work_item("R-1", utc(2024, 1, 1), feature="F-1", due_changes=moved),
        work_item("R-2", utc(2024, 1, 1), feature="F-1"),
        work_item("R-3", utc(2024, 1, 1), feature="F-2", due_changes=moved),
    ]
    roll_up = roll_up_item_slips("F-1", items)
    assert (roll_up.items, roll_up.items_redated, roll_up.redatings, roll_up.days_slipped) == (
        2,
        1,
        1,
        7,
    )


# --- ownership ----------------------------------------------------------------------------


def test_unowned_open_work_grouped_by_team() -> None:
    items = [
        work_item("U-1", utc(2024, 1, 1), team="core"),
        work_item("U-2", utc(2024, 1, 1), team="core", assignee="  "),
        work_item("U-3", utc(2024, 1, 1), team="core", assignee="ada"),
        work_item("U-4", utc(2024, 1, 1), team="core", done=utc(2024, 1, 2)),
        work_item("U-5", utc(2024, 1, 1)),
        work_item("U-6", utc(2024, 1, 1), team="web", cancelled=True),
    ]
    work = unowned_work_by_team(items)
    assert [(w.team, w.item_keys) for w in work] == [("core", ("U-1", "U-2")), (None, ("U-5",))]


@pytest.mark.parametrize(
    ("history", "team", "path", "handoffs", "returned", "bounces"),
    [
        (("a", "b", "c", "d"), "d", ("a", "b", "c", "d"), 3, (), True),
        (("a", "b", "a"), "a", ("a", "b", "a"), 2, ("a",), True),
        (("a", "a", "b"), "b", ("a", "b"), 1, (), False),
        (("a", "b"), "c", ("a", "b", "c"), 2, (), False),  # the current team is appended
        ((), None, (), 0, (), False),
    ],
)
def test_team_handoffs(
    history: tuple[str, ...],
    team: str | None,
    path: tuple[str, ...],
    handoffs: int,
    returned: tuple[str, ...],
    bounces: bool,
) -> None:
    result = team_handoffs(work_item("B-1", utc(2024, 1, 1), team_history=history, team=team))
    assert (result.teams, result.handoffs, result.returned_to) == (path, handoffs, returned)
    assert result.bounces() is bounces


def test_bouncing_items_most_handoffs_first() -> None:
    items = [
        work_item("B-1", utc(2024, 1, 1), team_history=("a", "b", "a")),
        work_item("B-2", utc(2024, 1, 1), team_history=("a", "b", "c", "d", "e")),
        work_item("B-3", utc(2024, 1, 1), team_history=("a", "b")),
    ]
    assert [h.key for h in bouncing_items(items)] == ["B-2", "B-1"]


# --- firefighting -------------------------------------------------------------------------


def test_unplanned_share_per_team_per_week() -> None:
    zone = "Europe/Berlin"
    items = [
        work_item("P-1", utc(2024, 10, 1), done=local(zone, 2024, 10, 21, 9), team="ops"),
        work_item(
            "P-2", utc(2024, 10, 1), done=local(zone, 2024, 10, 22, 9), team="ops", unplanned=True
        ),
        # Monday 00:30 CET after the EU autumn change: Sunday 23:30 UTC, yet next week.
        work_item(
            "P-3",
            utc(2024, 10, 1),
            done=local(zone, 2024, 10, 28, 0, 30),
            team="ops",
            unplanned=True,
        ),
        work_item("P-4", utc(2024, 10, 1), done=local(zone, 2024, 10, 23), team="web"),
        work_item(
            "P-5", utc(2024, 10, 1), done=local(zone, 2024, 10, 23), team="ops", cancelled=True
        ),
    ]
    shares = unplanned_share_by_team(
        items,
        period=Period(date(2024, 10, 21), date(2024, 11, 11)),
        granularity=Granularity.WEEK,
        time_zone=zone,
    )
    assert [(s.start, s.items_done, s.unplanned_done, s.share) for s in shares["ops"]] == [
        (date(2024, 10, 21), 2, 1, 0.5),
        (date(2024, 10, 28), 1, 1, 1.0),
        (date(2024, 11, 4), 0, 0, None),
    ]
    assert [s.items_done for s in shares["web"]] == [1, 0, 0]


def _shares(values: list[float | None], team: str = "ops") -> list[UnplannedShare]:
    start = date(2024, 1, 1)
    return [
        UnplannedShare(team, start + timedelta(weeks=n), 0, 0)
        if v is None
        else UnplannedShare(team, start + timedelta(weeks=n), 20, round(v * 20))
        for n, v in enumerate(values)
    ]


def test_trend_slope_skips_empty_buckets_and_flags_a_rising_share() -> None:
    trend = unplanned_trend(_shares([0.1, None, 0.3, 0.4]))
    # Points (0, .1), (2, .3), (3, .4): the least-squares slope is exactly 0.1 per bucket.
    assert trend.slope_per_bucket == pytest.approx(0.1)
    assert trend.latest_share == pytest.approx(0.4)
    assert trend.rising
    assert not unplanned_trend(_shares([0.1, 0.2, 0.25])).rising  # rising but still below 30%
    assert not unplanned_trend(_shares([0.6, 0.5, 0.4])).rising  # high but falling
    assert unplanned_trend(_shares([0.5])).slope_per_bucket is None


@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.floats(0, 1, allow_nan=False)), min_size=2, max_size=30
    ).filter(lambda points: len({x for x, _ in points}) >= 2)
)
def test_least_squares_slope_matches_numpy_polyfit(points: list[tuple[int, float]]) -> None:
    xs, ys = [float(x) for x, _ in points], [y for _, y in points]
    expected = np.polyfit(xs, ys, 1)[0]
    slope = least_squares_slope(xs, ys)
    assert slope == pytest.approx(expected, abs=1e-9)


def test_mid_sprint_additions() -> None:
    sprint_start = utc(2024, 6, 3, 9)

    def in_sprint(key: str, added: datetime, team: str = "core") -> WorkItemFacts:
        return work_item(
            key,
            utc(2024, 5, 20),
            team=team,
            sprint="Sprint 12",
            sprint_started_at=sprint_start,
            added_to_sprint_at=added,
        )

    items = [
        in_sprint("M-1", sprint_start - timedelta(days=1)),
        in_sprint("M-2", sprint_start),  # at the start: planned
        in_sprint("M-3", sprint_start + timedelta(days=2)),
        in_sprint("M-4", sprint_start + timedelta(days=3)),
        in_sprint("M-5", sprint_start - timedelta(days=1), team="web"),
        work_item("M-6", utc(2024, 5, 20)),
    ]
    changes = mid_sprint_additions(items)
    assert len(changes) == 1
    assert (changes[0].sprint, changes[0].team, changes[0].items_in_sprint) == (
        "Sprint 12",
        "core",
        4,
    )
    assert changes[0].added_mid_sprint == ("M-3", "M-4")
    assert changes[0].share == 0.5


# --- signals ------------------------------------------------------------------------------

TODAY = date(2024, 6, 15)


def test_delay_signals_for_items_and_features() -> None:
    three_times = tuple(
        redated(utc(2024, 3, m), date(2024, m, 1), date(2024, m + 1, 1)) for m in (3, 4, 5)
    )
    features = [
        FeatureFacts("F-1", "Bulk export", "building", date(2024, 6, 1), "ada", "core"),
        FeatureFacts(
            "F-2", "SSO", "planned", date(2024, 7, 1), "bo", "core", target_changes=three_times
        ),
        FeatureFacts("F-3", "Dark mode", "beta", date(2024, 5, 1), "cy", "web"),  # shipped
        FeatureFacts("F-4", "Audit log", "building", date(2024, 8, 1), "di", "core"),
    ]
    items = [
        work_item(
            "I-1",
            utc(2024, 1, 1),
            feature="F-1",
            due_changes=(
                redated(utc(2024, 5, 1), date(2024, 5, 10), date(2024, 5, 20)),
                redated(utc(2024, 5, 15), date(2024, 5, 20), date(2024, 6, 10)),
            ),
        ),
    ]
    signals = delay_signals(
        features, items, today=TODAY, target_probabilities={"F-2": 0.9, "F-4": 0.35}
    )
    found = {(s.kind, s.subject): s for s in signals}
    assert set(found) == {
        (SignalKind.DUE_DATE_SLIPPED, "I-1"),
        (SignalKind.PAST_TARGET_DATE, "F-1"),
        (SignalKind.TARGET_DATE_SLIPPED, "F-2"),
        (SignalKind.TARGET_DATE_AT_RISK, "F-4"),
    }
    late = found[(SignalKind.PAST_TARGET_DATE, "F-1")]
    assert late.severity is Severity.CRITICAL
    assert late.subject_kind is SubjectKind.FEATURE
    assert late.message == (
        "Bulk export is 14 days past its target date (2024-06-01) and still in building"
    )
    slipped = found[(SignalKind.TARGET_DATE_SLIPPED, "F-2")]
    assert slipped.severity is Severity.CRITICAL
    assert "re-dated 3 times" in slipped.message
    at_risk = found[(SignalKind.TARGET_DATE_AT_RISK, "F-4")]
    assert at_risk.severity is Severity.CRITICAL
    assert at_risk.message == "Audit log has a 35% chance of meeting 2024-08-01"
    assert found[(SignalKind.DUE_DATE_SLIPPED, "I-1")].severity is Severity.WARNING
    assert signals[0].severity is Severity.CRITICAL  # most severe first


def test_feature_delay_evidence() -> None:
    feature = FeatureFacts("F-1", "Bulk export", "building", date(2024, 6, 1))
    delay = feature_delay(feature, [], today=TODAY, probability=0.2)
    assert (delay.days_past_target, delay.probability_of_meeting_target) == (14, 0.2)
    on_time = feature_delay(feature, [], today=date(2024, 5, 1))
    assert on_time.days_past_target == 0


def test_ownership_signals() -> None:
    features = [
        FeatureFacts("F-1", "Bulk export", "building", owner=None),
        FeatureFacts("F-2", "Old reports", "retired", owner=None),
        FeatureFacts("F-3", "SSO", "planned", owner="ada"),
    ]
    items = [work_item(f"O-{n}", utc(2024, 1, 1), team="core") for n in range(3)]
    items.append(work_item("O-9", utc(2024, 1, 1), team="web"))
    items.append(work_item("O-B", utc(2024, 1, 1), assignee="bo", team_history=("a", "b", "a")))
    signals = ownership_signals(features, items)
    summary = [(s.kind, s.severity, s.subject) for s in signals]
    assert summary == [
        (SignalKind.BOUNCING_BETWEEN_TEAMS, Severity.WARNING, "O-B"),
        (SignalKind.FEATURE_WITHOUT_OWNER, Severity.WARNING, "F-1"),
        (SignalKind.UNOWNED_WORK, Severity.WARNING, "core"),
        (SignalKind.UNOWNED_WORK, Severity.INFO, "web"),
    ]
    assert signals[0].message == "O-B changed teams 2 times: a → b → a"
    assert signals[2].message == "3 open items have no owner in core"


def test_firefighting_signal_for_a_team_drowning_in_unplanned_work() -> None:
    # Twelve months; the payments team's unplanned share climbs from 15% to 45%.
    items = []
    for month in range(12):
        share = 0.15 + 0.3 * month / 11
        for n in range(20):
            done = utc(2024, month + 1, 10, 12)
            items.append(
                work_item(
                    f"PAY-{month}-{n}",
                    done - timedelta(days=5),
                    done=done,
                    team="payments",
                    unplanned=n < round(share * 20),
                )
            )
            items.append(work_item(f"WEB-{month}-{n}", done, done=done, team="web"))
    signals = firefighting_signals(
        items,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granularity=Granularity.MONTH,
        time_zone="UTC",
    )
    assert [(s.kind, s.subject, s.severity) for s in signals] == [
        (SignalKind.RISING_UNPLANNED_WORK, "payments", Severity.WARNING)
    ]
    assert signals[0].message.startswith("Unplanned work is 45% of payments's throughput")
    assert "points per month" in signals[0].message


def test_firefighting_signal_for_mid_sprint_additions() -> None:
    start = utc(2024, 6, 3)
    items = [
        work_item(
            f"Z-{n}",
            utc(2024, 5, 1),
            team="core",
            sprint="Sprint 7",
            sprint_started_at=start,
            added_to_sprint_at=start + timedelta(days=n - 1),
        )
        for n in range(4)  # Z-2 and Z-3 arrive after the start
    ]
    signals = firefighting_signals(
        items,
        period=Period(date(2024, 6, 1), date(2024, 7, 1)),
        granularity=Granularity.WEEK,
        time_zone="UTC",
    )
    assert [s.kind for s in signals] == [SignalKind.ADDED_MID_SPRINT]
    assert (
        signals[0].message == "2 of 4 items in Sprint 7 (core) were added after the sprint started"
    )


@given(due_dates=st.lists(st.dates(date(2024, 1, 1), date(2024, 12, 31)), min_size=1, max_size=12))
def test_slips_match_a_walk_over_consecutive_due_dates(due_dates: list[date]) -> None:
    changes = [
        redated(utc(2024, 1, 1) + timedelta(days=n), due_dates[n - 1] if n else None, due)
        for n, due in enumerate(due_dates)
    ]
    pairs = list(pairwise(due_dates))
    slips = due_date_slips("P-1", reversed(changes))  # order of input must not matter
    assert slips.redatings == sum(1 for old, new in pairs if new != old)
    assert slips.slips == sum(1 for old, new in pairs if new > old)
    assert slips.days_slipped == sum((new - old).days for old, new in pairs if new > old)
    assert (slips.first_due_date, slips.current_due_date) == (due_dates[0], due_dates[-1])
