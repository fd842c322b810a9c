"""Workflow mapping: defaults per tool, overrides merged over them, and feature matching."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from prodloop.delivery.facts import StatusCategory
from prodloop.delivery.schemas import SourceConfig, SourceKind, WorkflowConfig
from prodloop.delivery.workflow import FeatureMatcher, Workflow, category_hint

TODO, IN_PROGRESS, DONE, CANCELLED = (
    StatusCategory.TODO,
    StatusCategory.IN_PROGRESS,
    StatusCategory.DONE,
    StatusCategory.CANCELLED,
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("To Do", TODO),
        ("Backlog", TODO),
        ("Selected for Development", TODO),
        ("In Progress", IN_PROGRESS),
        ("Code Review", IN_PROGRESS),
        ("QA", IN_PROGRESS),
        ("Blocked", IN_PROGRESS),
        ("Done", DONE),
        ("Resolved", DONE),
        ("Released", DONE),
        ("Won't Do", CANCELLED),
        ("Duplicate", CANCELLED),
        ("  in review ", IN_PROGRESS),
    ],
)
def test_jira_defaults(status: str, expected: StatusCategory) -> None:
    assert Workflow.for_source(SourceKind.JIRA).category(status) is expected


def test_unknown_status_follows_the_tools_category_then_todo() -> None:
    jira = Workflow.for_source(SourceKind.JIRA)
    assert jira.category("Waiting for Vendor", category_hint("In Progress")) is IN_PROGRESS
    assert jira.category("Waiting for Vendor", category_hint("indeterminate")) is IN_PROGRESS
    assert jira.category("Shipped to customer", category_hint("done")) is DONE
    assert jira.category("Waiting for Vendor") is TODO
    # A known status keeps its meaning even when Jira's category disagrees (Won't Do is "Done").
    assert jira.category("Won't Do", category_hint("Done")) is CANCELLED


def test_linear_and_github_defaults() -> None:
    linear = Workflow.for_source(SourceKind.LINEAR)
    assert [linear.category(s) for s in ("Triage", "In Review", "Done", "Canceled")] == [
        TODO,
        IN_PROGRESS,
        DONE,
        CANCELLED,
    ]
    github = Workflow.for_source(SourceKind.GITHUB)
    assert github.category("closed (not_planned)") is CANCELLED
    assert github.category("closed (completed)") is DONE
    assert github.category("open") is TODO


def test_overrides_merge_over_defaults() -> None:
    config = WorkflowConfig(
        statuses={"Ready for QA": IN_PROGRESS, "Blocked": TODO},
        unplanned_types={"Chore": True, "Support": False},
        unplanned_labels={"pager": True},
    )
    workflow = Workflow.for_source(SourceKind.JIRA, config)
    assert workflow.category("ready for qa") is IN_PROGRESS
    assert workflow.category("Blocked") is TODO
    assert workflow.category("Done") is DONE  # untouched defaults stay
    assert workflow.is_unplanned("Chore", [])
    assert not workflow.is_unplanned("Support", [])
    assert workflow.is_unplanned("Story", ["Pager"])
    assert workflow.is_unplanned("Bug", [])


@pytest.mark.parametrize(
    ("item_type", "labels", "unplanned"),
    [
        ("Bug", [], True),
        ("Story", ["hotfix"], True),
        ("Task", ["type: bug"], True),
        ("Issue", ["kind/incident"], True),
        ("Story", ["customer-reported"], False),
        ("Epic", [], False),
    ],
)
def test_unplanned_defaults(item_type: str, labels: list[str], unplanned: bool) -> None:
    assert Workflow.for_source(SourceKind.JIRA).is_unplanned(item_type, labels) is unplanned


def test_incident_labels_and_cancelled_resolutions() -> None:
    workflow = Workflow.for_source(
        SourceKind.GITHUB, WorkflowConfig(incident_labels={"P0": True, "outage": False})
    )
    assert workflow.is_incident(["sev1"])
    assert workflow.is_incident(["p0"])
    assert not workflow.is_incident(["outage"])
    assert Workflow.for_source(SourceKind.JIRA).is_cancelled_resolution("Won't Do")
    assert not Workflow.for_source(SourceKind.JIRA).is_cancelled_resolution("Done")


def test_config_rejects_unknown_fields_and_bad_patterns() -> None:
    with pytest.raises(ValidationError):
        SourceConfig.model_validate({"workflow": {"statusses": {}}})
    with pytest.raises(ValidationError, match="regular expression"):
        SourceConfig(deploy_pattern="deploy(")
    with pytest.raises(ValidationError):
        WorkflowConfig.model_validate({"statuses": {"Done": "finished"}})


def test_feature_matching_order_and_word_boundaries() -> None:
    matcher = FeatureMatcher(["sso", "usage-billing", "sso-admin"], {"PAY-1": "usage-billing"})
    assert matcher.match("[sso-admin] roles page") == "sso-admin"
    assert matcher.match("Fix SSO redirect") == "sso"
    assert matcher.match("Fix sso-admin redirect") == "sso-admin"  # hyphens are part of a word
    assert matcher.match("Ssologin cleanup") is None
    assert matcher.match("Cleanup", ["feature:usage-billing"]) == "usage-billing"
    assert matcher.match("Cleanup", ["SSO"]) == "sso"
    assert matcher.match("Cleanup", [], ["PAY-1"]) == "usage-billing"
    assert matcher.match("Cleanup", [], ["PAY-2"]) is None
    assert matcher.match("[sso] but labelled", ["feature:usage-billing"]) == "sso"
    assert FeatureMatcher([], {}).match("[sso]") is None


def test_epic_mapping_to_an_unknown_feature_is_ignored() -> None:
    assert FeatureMatcher(["sso"], {"PAY-1": "nope"}).match("x", [], ["PAY-1"]) is None
