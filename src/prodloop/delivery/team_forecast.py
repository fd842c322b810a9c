"""Monte Carlo questions about a team: when will N items be done, how many by a date.

Both sample the team's daily throughput over a stated history window (the ``history_days``
whole local days before today); today is day 1 of the forecast.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from prodloop.delivery.feature_report import (
    DEFAULT_HISTORY_DAYS,
    explain_history,
    history_period,
    load_team_history,
)
from prodloop.delivery.forecast import (
    DEFAULT_SEED,
    DEFAULT_TRIALS,
    forecast_completion,
    forecast_items,
)
from prodloop.delivery.inventory import find_team
from prodloop.delivery.report_schemas import TeamForecast, TeamName
from prodloop.ledger.errors import RuleError


def _check_question(items: int | None, by: date | None, today: date) -> None:
    """RuleError naming the field when the forecast question cannot be answered."""
    if items is None and by is None:
        raise RuleError("ask for items=N (when?) or by=DATE (how many?)", field="items")
    if items is not None and items < 1:
        raise RuleError("forecast at least one item", field="items")
    if by is not None and by < today:
        raise RuleError(f"{by.isoformat()} is in the past (today is {today})", field="by")


def team_forecast(
    session: Session,
    *,
    team: str,
    today: date,
    time_zone: str,
    items: int | None = None,
    by: date | None = None,
    history_days: int = DEFAULT_HISTORY_DAYS,
    seed: int = DEFAULT_SEED,
    trials: int = DEFAULT_TRIALS,
) -> TeamForecast:
    """ "When will ``items`` items be done?" and / or "how many by ``by``?" for a team."""
    _check_question(items, by, today)
    found = find_team(session, team)
    period = history_period(today, history_days)
    history, window = load_team_history(session, found.key, period=period, time_zone=time_zone)
    when = how_many = None
    if items is not None:
        when = forecast_completion(
            history, remaining_items=items, start=today, trials=trials, seed=seed
        )
    if by is not None:
        how_many = forecast_items(history, start=today, end=by, trials=trials, seed=seed)
    return TeamForecast(
        team=TeamName(key=found.key, name=found.name),
        history=window,
        trials=trials,
        seed=seed,
        when=when,
        how_many=how_many,
        explanation=explain_history(history_days, found.name, history, trials),
    )
