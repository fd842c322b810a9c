"""`prodloop experiments …` (the registry and its readouts), `prodloop metrics …` (named
metric definitions) and `prodloop flags decide` (evaluate flags in-process)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from prodloop.analytics.lake import EventLake
from prodloop.analytics.metrics import (
    MetricIn,
    MetricKind,
    create_metric,
    describe_metric,
    list_metrics,
    metric_out,
    metric_spec,
)
from prodloop.cli.context import (
    console,
    default_actor,
    fail,
    handles_bad_input,
    settings,
    store,
)
from prodloop.experiments.flags.service import load_flag_set
from prodloop.experiments.registry import service
from prodloop.experiments.registry.analysis import ExperimentAnalysis
from prodloop.experiments.registry.schemas import (
    DecisionIn,
    DecisionKind,
    ExperimentIn,
    ExperimentStatus,
    Guardrail,
)

app = typer.Typer(help="The experiment registry and readouts.", no_args_is_help=True)
metrics_app = typer.Typer(help="Named metric definitions.", no_args_is_help=True)
flags_app = typer.Typer(help="Feature flags.", no_args_is_help=True)

Actor = Annotated[str | None, typer.Option(help="Who the change is attributed to (an email).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
@handles_bad_input
def list_experiments(
    status: Annotated[ExperimentStatus | None, typer.Option(help="Only this status.")] = None,
    feature: Annotated[str | None, typer.Option(help="Feature key.")] = None,
    as_json: AsJson = False,
) -> None:
    """List experiments, newest first."""
    with store() as db:
        rows = [
            service.describe_experiment(db, e)
            for e in service.list_experiments(db, status=status, feature=feature)
        ]
    if as_json:
        print(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
        return
    table = Table(title=f"{len(rows)} experiment{'s' if len(rows) != 1 else ''}")
    for column in (
        "key",
        "name",
        "flag",
        "status",
        "primary metric",
        "planned/variant",
        "decision",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.key,
            row.name,
            row.flag,
            row.status.value,
            row.primary_metric,
            f"{row.planned_units_per_variant:,}" if row.planned_units_per_variant else "—",
            row.decision.value if row.decision else "—",
        )
    console.print(table)


@app.command("show")
@handles_bad_input
def show(key: str, as_json: AsJson = False) -> None:
    """Show one experiment's design, rules and decision record."""
    with store() as db:
        out = service.describe_experiment(db, service.get_experiment(db, key))
    if as_json:
        print(out.model_dump_json(indent=2))
        return
    console.print(f"[bold]{out.name}[/] ({out.key}) — {out.status.value}")
    console.print(f"hypothesis: {out.hypothesis or '—'}")
    console.print(f"flag: {out.flag}; variants: " + ", ".join(v.key for v in out.variants))
    console.print(
        f"primary: {out.primary_metric}; secondary: {', '.join(out.secondary_metrics) or '—'}; "
        f"guardrails: {', '.join(g.metric for g in out.guardrails) or '—'}"
    )
    planned = (
        f"{out.planned_units_per_variant:,} per variant" if out.planned_units_per_variant else "—"
    )
    console.print(
        f"MDE {out.minimum_detectable_effect:.0%} at {1 - out.alpha:.0%} confidence and "
        f"{out.power:.0%} power: {planned}"
        + (f", about {out.planned_days} days" if out.planned_days else "")
    )
    if out.decision:
        console.print(f"decision: {out.decision.value} by {out.decided_by}: {out.decision_reason}")


@app.command("create")
@handles_bad_input
def create(
    key: str,
    feature: Annotated[str, typer.Option(help="The ledger feature whose flag assigns units.")],
    primary: Annotated[str, typer.Option(help="Primary metric key.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the key).")] = None,
    hypothesis: Annotated[str, typer.Option(help="What you expect and why.")] = "",
    secondary: Annotated[list[str] | None, typer.Option(help="Secondary metric (repeat).")] = None,
    guardrail: Annotated[
        list[str] | None, typer.Option(help="Guardrail metric, optionally METRIC:MARGIN (repeat).")
    ] = None,
    mde: Annotated[float, typer.Option(help="Minimum detectable effect (0.05 = 5%).")] = 0.05,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Target power.")] = 0.8,
    sequential: Annotated[bool, typer.Option(help="Always-valid sequential test.")] = False,
    baseline: Annotated[
        float | None, typer.Option(help="Baseline mean (rate) of the primary.")
    ] = None,
    baseline_variance: Annotated[float | None, typer.Option(help="Baseline variance.")] = None,
    daily_units: Annotated[float | None, typer.Option(help="Expected units a day.")] = None,
    actor: Actor = None,
) -> None:
    """Register a draft experiment; the power calculator plans its sample and duration."""
    guardrails = []
    for text in guardrail or []:
        metric, _, margin = text.partition(":")
        try:
            guardrails.append(Guardrail(metric=metric, margin=float(margin or 0)))
        except ValueError:
            fail(f"guardrail: {text!r} is not METRIC or METRIC:MARGIN")
    data = ExperimentIn(
        key=key,
        name=name or key,
        hypothesis=hypothesis,
        feature=feature,
        primary_metric=primary,
        secondary_metrics=secondary or [],
        guardrails=guardrails,
        minimum_detectable_effect=mde,
        alpha=alpha,
        power=power,
        sequential=sequential,
        baseline_mean=baseline,
        baseline_variance=baseline_variance,
        expected_daily_units=daily_units,
    )
    with store() as db:
        experiment = service.create_experiment(db, data, actor=actor or default_actor())
        planned = experiment.planned_units_per_variant
    suffix = f"; plan {planned:,} units per variant" if planned else ""
    console.print(f"created experiment {key} (draft){suffix}")


@app.command("start")
@handles_bad_input
def start(key: str, actor: Actor = None) -> None:
    """Start a draft: its rules and variant split are frozen."""
    with store() as db:
        service.start_experiment(
            db, service.get_experiment(db, key), actor=actor or default_actor()
        )
    console.print(f"started {key}")


@app.command("stop")
@handles_bad_input
def stop(key: str, actor: Actor = None) -> None:
    """Stop a running experiment."""
    with store() as db:
        service.stop_experiment(db, service.get_experiment(db, key), actor=actor or default_actor())
    console.print(f"stopped {key}")


@app.command("decide")
@handles_bad_input
def decide(
    key: str,
    decision: Annotated[DecisionKind, typer.Argument(help="ship, 'roll back' or iterate.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the decision record).")],
    actor: Actor = None,
) -> None:
    """Record the decision and why; the actor is who decided."""
    with store() as db:
        service.decide_experiment(
            db,
            service.get_experiment(db, key),
            DecisionIn(decision=decision, reason=reason),
            actor=actor or default_actor(),
        )
    console.print(f"{key}: {decision.value}")


@app.command("analyze")
@handles_bad_input
def analyze(
    key: str,
    as_of: Annotated[
        datetime | None, typer.Option(help="Read up to this instant (ISO 8601).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Read an experiment from the event lake: results, health checks and the verdict."""
    config = settings()
    with console.status(f"reading {key} from the event lake"), store() as db:
        experiment = service.get_experiment(db, key)
        analysis = service.read_experiment(
            db, EventLake(config), experiment, as_of=as_of, timeline=as_json
        )
    if as_json:
        print(analysis.model_dump_json(indent=2))
        return
    _print_analysis(analysis)


def _print_analysis(analysis: ExperimentAnalysis) -> None:
    console.print(f"[bold]{analysis.summary}[/]")
    units = ", ".join(f"{v.variant} {v.units:,}" for v in analysis.variants)
    console.print(f"units: {units} (SRM p = {analysis.health.sample_ratio_p_value:.2g})")
    table = Table(title=f"{analysis.experiment}: {analysis.days_running:.1f} days")
    for column in ("metric", "role", "variant", "units", "mean", "lift", "interval", "p"):
        table.add_column(column)
    for metric in analysis.metrics:
        for row in metric.rows:
            table.add_row(
                metric.metric,
                metric.role,
                row.variant,
                f"{row.units:,}",
                f"{row.mean:.4g}",
                "" if row.lift is None else f"{row.lift:+.1%}",
                ""
                if row.ci_lower is None or row.ci_upper is None
                else f"{row.ci_lower:+.1%} to {row.ci_upper:+.1%}",
                "" if row.p_value is None else f"{row.p_value:.3g}",
            )
    console.print(table)


@metrics_app.command("list")
@handles_bad_input
def metrics_list(as_json: AsJson = False) -> None:
    """List the named metric definitions."""
    with store() as db:
        rows = [metric_out(m) for m in list_metrics(db)]
    if as_json:
        print(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
        return
    table = Table(title=f"{len(rows)} metric{'s' if len(rows) != 1 else ''}")
    for column in ("key", "name", "kind", "computes", "good"):
        table.add_column(column)
    for row in rows:
        good = "higher" if row.higher_is_better else "lower"
        table.add_row(row.key, row.name, row.kind.value, describe_metric(metric_spec(row)), good)
    console.print(table)


@metrics_app.command("add")
@handles_bad_input
def metrics_add(
    key: str,
    kind: Annotated[MetricKind, typer.Option(help="What it counts per unit.")],
    event: Annotated[str, typer.Option(help="The event it reads.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the key).")] = None,
    property_: Annotated[
        str | None, typer.Option("--property", help="Numeric property (mean, ratio).")
    ] = None,
    denominator: Annotated[str | None, typer.Option(help="Denominator event (ratio).")] = None,
    retention_days: Annotated[int | None, typer.Option(help="Days (retention).")] = None,
    lower_is_better: Annotated[bool, typer.Option(help="A decrease is good.")] = False,
    description: Annotated[str, typer.Option(help="What it means.")] = "",
    actor: Actor = None,
) -> None:
    """Define a named metric (count, unique, conversion, mean, ratio, retention)."""
    data = MetricIn(
        key=key,
        name=name or key,
        description=description,
        kind=kind,
        event=event,
        property=property_,
        denominator_event=denominator,
        retention_days=retention_days,
        higher_is_better=not lower_is_better,
    )
    with store() as db:
        create_metric(db, data, actor=actor or default_actor())
    console.print(f"defined metric {key}: {describe_metric(data)}")


@flags_app.command("decide")
@handles_bad_input
def flags_decide(
    distinct_id: str,
    account: Annotated[str | None, typer.Option(help="The account the person acts for.")] = None,
    prop: Annotated[
        list[str] | None, typer.Option("--prop", help="Person property NAME=VALUE (repeat).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Evaluate every flag for one person in-process (no exposure is recorded)."""
    attributes: dict[str, object] = {}
    for text in prop or []:
        name, sep, value = text.partition("=")
        if not sep or not name:
            fail(f"prop: {text!r} is not NAME=VALUE")
        attributes[name] = value
    if account:
        attributes["$groups"] = {"account": account}
    with store() as db:
        flags = load_flag_set(db, cache_size=0)
    decisions = flags.decide_all(distinct_id, attributes)
    if as_json:
        payload = {
            key: {"enabled": d.enabled, "variant": d.variant, "reason": d.reason}
            for key, d in decisions.items()
        }
        print(json.dumps(payload, indent=2))
        return
    table = Table(title=f"flags for {distinct_id}")
    for column in ("flag", "enabled", "variant", "reason"):
        table.add_column(column)
    for key, d in decisions.items():
        table.add_row(key, "yes" if d.enabled else "no", d.variant or "—", d.reason)
    console.print(table)
