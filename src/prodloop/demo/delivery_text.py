"""Words the demo's work items and pull requests are written in, per team and kind of work.

Templates name a slot in braces (``{area}``, ``{client}``, ``{account}``); the slots are filled
from the team's own vocabulary, so a Billing bug talks about invoices and a Mobile bug about
the Android build. No template may contain a feature key: linking to features is planted
through epics, labels and ``[key]`` tags, never by accident.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class TeamWords:
    """The vocabulary of one team's backlog."""

    areas: tuple[str, ...]
    stories: tuple[str, ...]
    bugs: tuple[str, ...]
    support: tuple[str, ...]
    debt: tuple[str, ...]


CLIENTS = ("Chrome", "Safari", "Firefox", "Edge", "iOS 18", "Android 15", "the desktop app")
FEATURE_STEPS = (
    "data model and migrations",
    "API endpoints",
    "settings screen",
    "permission checks",
    "empty and error states",
    "audit log events",
    "usage telemetry",
    "help centre article",
    "backfill for existing workspaces",
    "feature flag and gradual rollout",
    "load test at ten times today's traffic",
    "end-to-end tests",
    "accessibility pass",
    "copy review with marketing",
    "admin controls",
    "onboarding tooltip",
    "rate limiting",
    "plan entitlements",
    "webhook events",
    "fixes from beta feedback",
    "performance budget",
    "design QA",
    "localisation",
    "public API documentation",
    "release notes and changelog entry",
    "support runbook",
    "edge cases found in QA",
    "retry and timeout handling",
    "mobile parity",
    "internal dogfooding fixes",
)
DESIGN_TASKS = (
    "Design review: {area}",
    "Prototype the new {area} flow",
    "Usability test the {area} changes with five customers",
    "Update the design system components used in {area}",
    "Redline the {area} screens for engineering",
)
ANALYSIS_TASKS = (
    "Dashboard for {area} adoption",
    "Analyse drop-off in {area}",
    "Define success metrics for {area}",
    "Instrumentation audit for {area} events",
    "Weekly {area} report for leadership",
)
INCIDENT_FOLLOW_UPS = (
    "Postmortem actions: alerting on {area} error rate",
    "Incident follow-up: add a runbook for {area}",
    "On-call: {area} paged twice overnight",
    "Hotfix: roll back the {area} change",
)

TEAM_WORDS: dict[str, TeamWords] = {
    "growth": TeamWords(
        areas=("sign-up", "onboarding", "invitations", "templates", "comments", "notifications"),
        stories=(
            "Personalise the {area} emails by role",
            "A/B test the new {area} copy",
            "Show progress in {area}",
            "Let admins resend {area} reminders",
            "Track activation events in {area}",
        ),
        bugs=(
            "Invitation links expire too early",
            "{area} step does not tick on {client}",
            "Duplicate welcome emails for some new workspaces",
            "Mentions autocomplete misses guests",
            "Template preview is blank on {client}",
        ),
        support=(
            "{account}: invited users never received the email",
            "{account} asks to move members between workspaces",
            "{account}: cannot find the templates they saved",
        ),
        debt=("Remove the old sign-up experiment code", "Upgrade the email rendering library"),
    ),
    "core-platform": TeamWords(
        areas=("sign-in", "permissions", "workflow engine", "public API", "audit log", "sessions"),
        stories=(
            "Paginate {area} results with cursors",
            "Cache {area} lookups per request",
            "Expose {area} settings to workspace admins",
            "Add scopes for {area} to OAuth apps",
            "Emit {area} changes to the event bus",
        ),
        bugs=(
            "Workflow runs stuck in pending after a deploy",
            "403 on {area} for users with two roles",
            "API returns 500 for an empty filter",
            "Session not refreshed after password change",
            "Audit log misses changes made through the API",
        ),
        support=(
            "{account}: SSO users locked out after the certificate rotation",
            "{account} needs higher API rate limits for a migration",
            "{account}: workflow run history missing for last Tuesday",
        ),
        debt=("Upgrade to PostgreSQL 16", "Split the workflow engine worker pool"),
    ),
    "integrations": TeamWords(
        areas=("Salesforce sync", "Slack app", "Jira connector", "webhooks", "HubSpot import"),
        stories=(
            "Map custom fields in the {area}",
            "Show sync status for the {area}",
            "Let admins pause the {area}",
            "Backfill history through the {area}",
            "Support sandbox orgs in the {area}",
        ),
        bugs=(
            "{area} fails with INVALID_SESSION_ID",
            "{area} drops records over 10 MB",
            "Rate limit errors from the {area} not retried",
            "{area} duplicates contacts after a re-auth",
            "Slack buttons stop working after the app update",
        ),
        support=(
            "{account}: Salesforce sync stopped overnight",
            "{account} asks why Slack alerts arrive late",
            "{account}: webhook deliveries failing with 410",
            "{account}: HubSpot import skipped half the contacts",
        ),
        debt=("Move connectors to the new job queue", "Rotate the OAuth client secrets"),
    ),
    "insights": TeamWords(
        areas=("dashboards", "scheduled reports", "CSV exports", "charts", "filters"),
        stories=(
            "Drill down from {area} into records",
            "Share {area} with view-only links",
            "Add a date comparison to {area}",
            "Let owners duplicate {area}",
            "Speed up {area} for large workspaces",
        ),
        bugs=(
            "Chart tooltips show UTC instead of local time",
            "Scheduled report PDF cuts off the last column",
            "{area} time out for workspaces with 1M records",
            "Filter chips overlap on {client}",
            "Export misses rows created at midnight",
        ),
        support=(
            "{account}: weekly report arrived empty",
            "{account} needs an export of two years of records",
            "{account}: dashboard numbers differ from the CSV export",
        ),
        debt=("Replace the charting library", "Move report rendering off the web workers"),
    ),
    "mobile": TeamWords(
        areas=("approvals", "offline queue", "push notifications", "photo capture", "sign-in"),
        stories=(
            "Biometric unlock for {area}",
            "Widget for pending {area}",
            "Deep links into {area}",
            "Tablet layout for {area}",
            "Haptic feedback in {area}",
        ),
        bugs=(
            "Crash on launch on older Android devices",
            "{area} freezes on iOS after backgrounding",
            "Photos rotate wrongly on some Samsung phones",
            "Push notification opens the wrong record",
            "Offline changes lost when the app is killed",
        ),
        support=(
            "{account}: field team cannot sign in on Android",
            "{account} asks when the iPad layout ships",
            "{account}: approvals missing from the mobile inbox",
        ),
        debt=("Upgrade React Native", "Move the Android build to Gradle version catalogs"),
    ),
    "billing": TeamWords(
        areas=("invoices", "checkout", "plan changes", "usage metering", "tax"),
        stories=(
            "Prorate {area} for mid-cycle changes",
            "Email receipts for {area}",
            "Show upcoming {area} in the admin console",
            "Handle failed payments in {area}",
            "Support purchase orders in {area}",
        ),
        bugs=(
            "Invoice total off by one cent after a discount",
            "Checkout fails for cards needing 3-D Secure on {client}",
            "Usage counted twice after a retry",
            "VAT missing for customers in Ireland",
            "Downgrade leaves seats billed",
        ),
        support=(
            "{account}: invoice shows the wrong billing address",
            "{account} asks for a refund of a duplicate charge",
            "{account}: cannot upgrade because the card is declined",
        ),
        debt=("Migrate to the new payments SDK", "Remove the legacy pricing tables"),
    ),
}

PR_VERBS = ("Add", "Fix", "Refactor", "Speed up", "Tidy", "Harden", "Test", "Document")
BOT_PACKAGES = (
    "react",
    "typescript",
    "eslint",
    "@sentry/node",
    "sqlalchemy",
    "fastapi",
    "pydantic",
    "axios",
    "jest",
    "kotlin",
)


def fill(template: str, rng: random.Random, words: TeamWords, accounts: list[str]) -> str:
    """``template`` with its slots filled from the team's vocabulary."""
    return template.format(
        area=rng.choice(words.areas),
        client=rng.choice(CLIENTS),
        account=rng.choice(accounts) if accounts else "A customer",
    )


def title_for(
    kind: str, team: str, rng: random.Random, accounts: list[str], feature_title: str = ""
) -> str:
    """A title for an item of ``kind`` (story, task, bug, support, incident, design,
    analysis, debt) in ``team``'s domain; a feature story names the feature."""
    words = TEAM_WORDS[team]
    if feature_title:
        return f"{feature_title}: {rng.choice(FEATURE_STEPS)}"
    templates = {
        "story": words.stories,
        "task": words.stories + words.debt,
        "bug": words.bugs,
        "support": words.support,
        "incident": INCIDENT_FOLLOW_UPS,
        "design": DESIGN_TASKS,
        "analysis": ANALYSIS_TASKS,
        "debt": words.debt,
    }[kind]
    text = fill(rng.choice(templates), rng, words, accounts)
    return text[0].upper() + text[1:]


def pull_title(team: str, rng: random.Random, feature: tuple[str, str] | None) -> str:
    """A pull-request title; ``feature`` (key, title) tags it ``[key]`` as teams do."""
    if feature is not None:
        key, title = feature
        return f"[{key}] {title}: {rng.choice(FEATURE_STEPS)}"
    words = TEAM_WORDS[team]
    return f"{rng.choice(PR_VERBS)} {rng.choice(words.areas)} {rng.choice(PR_OBJECTS)}"


PR_OBJECTS = (
    "validation",
    "error handling",
    "tests",
    "logging",
    "queries",
    "retries",
    "types",
    "feature flag",
    "client",
    "migrations",
)


def bot_title(rng: random.Random) -> str:
    """A dependency-update pull request as Renovate writes it."""
    package = rng.choice(BOT_PACKAGES)
    version = f"{rng.randint(1, 19)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"
    return f"chore(deps): update dependency {package} to v{version}"
