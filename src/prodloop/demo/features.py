"""The catalogue of features the demo company has shipped, is building or is thinking about.

``maturity`` hints where a feature tends to sit in its lifecycle: 1 for long-established
capabilities, 2 for this year's work, 3 for new ideas. The simulator adds noise, so a seed
decides the exact stages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureSpec:
    """One feature of the catalogue, before the simulator gives it a stage and a history."""

    key: str
    title: str
    area: str
    team: str
    maturity: int
    tags: tuple[str, ...]
    description: str


def _f(key: str, title: str, area: str, team: str, maturity: int, tags: str,
       description: str) -> FeatureSpec:
    return FeatureSpec(key, title, area, team, maturity, tuple(tags.split()), description)


SEC, WS, AUTO, INT, REP, BILL, MOB, PLAT = (
    "security-compliance", "workspace", "automation", "integrations", "reporting", "billing",
    "mobile", "platform",
)

CATALOGUE: tuple[FeatureSpec, ...] = (
    # --- security & compliance ------------------------------------------------------------
    _f("saml-sso", "SAML single sign-on", SEC, "core-platform", 1, "enterprise security",
       "Let admins enforce sign-in through Okta, Entra ID or Google Workspace over SAML 2.0."),
    _f("scim-provisioning", "SCIM user provisioning", SEC, "core-platform", 2,
       "enterprise security",
       "Create, update and deactivate members automatically from the identity provider."),
    _f("custom-roles", "Custom roles and permissions", SEC, "core-platform", 2,
       "enterprise permissions",
       "Define roles beyond admin, editor and viewer, with permissions per workflow."),
    _f("enforced-2fa", "Enforced two-factor authentication", SEC, "core-platform", 1,
       "security", "Workspace admins can require TOTP or WebAuthn for every member."),
    _f("session-policies", "Session timeout policies", SEC, "core-platform", 2,
       "security compliance", "Idle and absolute session limits, configurable per workspace."),
    _f("ip-allowlisting", "IP allow-listing", SEC, "core-platform", 3, "enterprise security",
       "Restrict access to the workspace to office and VPN address ranges."),
    _f("audit-log-export", "Audit log export", SEC, "core-platform", 2,
       "enterprise compliance",
       "Stream the audit log to S3, Splunk or Datadog, and export it as CSV for auditors."),
    _f("eu-data-residency", "EU data residency", SEC, "core-platform", 3,
       "enterprise compliance", "Host a workspace's data in the Frankfurt region."),
    _f("retention-policies", "Data retention policies", SEC, "core-platform", 2, "compliance",
       "Delete records older than a configurable age, with a legal-hold override."),
    # --- workspace & collaboration --------------------------------------------------------
    _f("onboarding-checklist", "Guided onboarding checklist", WS, "growth", 1,
       "onboarding activation",
       "A five-step checklist that walks new workspaces to their first live workflow."),
    _f("template-gallery", "Workflow template gallery", WS, "growth", 1, "onboarding templates",
       "Start from 60 ready-made workflows for approvals, intake and field work."),
    _f("comments-mentions", "Comments and @mentions", WS, "growth", 1, "collaboration",
       "Discuss a record in place and pull colleagues in with @mentions."),
    _f("guest-access", "Guest access for external collaborators", WS, "growth", 2,
       "collaboration", "Invite contractors and clients to single workflows without a seat."),
    _f("dark-mode", "Dark mode", WS, "growth", 3, "ui",
       "A dark theme that follows the operating-system setting."),
    _f("in-app-guides", "In-app product tours", WS, "growth", 2, "onboarding",
       "Contextual tours that explain a screen the first time someone opens it."),
    _f("referral-program", "Customer referral programme", WS, "growth", 3, "growth self-serve",
       "Give a month free to workspaces that refer a paying customer."),
    _f("workspace-search", "Global search", WS, "growth", 2, "search",
       "Search records, workflows and comments across the workspace from one box."),
    # --- workflows & automation -----------------------------------------------------------
    _f("workflow-builder-v2", "Visual workflow builder v2", AUTO, "core-platform", 2,
       "workflows", "Drag-and-drop builder with branches, delays and reusable steps."),
    _f("multi-step-approvals", "Multi-step approvals", AUTO, "core-platform", 1,
       "workflows enterprise",
       "Route requests through sequential or parallel approvers with deadlines."),
    _f("recurring-tasks", "Recurring tasks", AUTO, "growth", 1, "workflows",
       "Create tasks on a schedule: daily inspections, monthly audits."),
    _f("ai-workflow-suggestions", "AI workflow suggestions", AUTO, "growth", 3, "ai workflows",
       "Suggest automations from manual steps people repeat every week."),
    _f("sla-escalations", "SLA escalations", AUTO, "core-platform", 2, "workflows",
       "Escalate overdue steps to a manager and log the breach."),
    # --- integrations ---------------------------------------------------------------------
    _f("slack-alerts", "Slack alerts", INT, "integrations", 1, "notifications",
       "Post workflow events to Slack channels, with approve and reject buttons in-thread."),
    _f("teams-app", "Microsoft Teams app", INT, "integrations", 2, "notifications enterprise",
       "Notifications and approvals inside Microsoft Teams."),
    _f("salesforce-sync", "Salesforce two-way sync", INT, "integrations", 2, "crm enterprise",
       "Keep accounts and opportunities in step with Salesforce, both ways."),
    _f("hubspot-sync", "HubSpot contact sync", INT, "integrations", 1, "crm",
       "Import HubSpot companies and contacts and keep them current."),
    _f("jira-cloud", "Jira Cloud integration", INT, "integrations", 1, "engineering",
       "Open Jira issues from a workflow step and reflect their status back."),
    _f("zapier-app", "Zapier app", INT, "integrations", 1, "self-serve",
       "Triggers and actions for 6,000 apps through Zapier."),
    _f("sheets-live-export", "Google Sheets live export", INT, "integrations", 1, "reporting",
       "Mirror a table into a Google Sheet that refreshes every 15 minutes."),
    _f("snowflake-share", "Snowflake data share", INT, "integrations", 3, "data enterprise",
       "Share workspace data straight into the customer's Snowflake account."),
    _f("webhook-retries", "Webhook delivery retries", INT, "integrations", 2,
       "api reliability", "Retry failed webhooks with backoff and keep a delivery log."),
    # --- dashboards & reporting -----------------------------------------------------------
    _f("dashboard-sharing", "Dashboard sharing", REP, "insights", 2, "collaboration",
       "Share dashboards with view-only links and embed them in Notion or Confluence."),
    _f("custom-dashboards", "Custom dashboards", REP, "insights", 1, "dashboards",
       "Build dashboards from any workflow field with ten chart types."),
    _f("scheduled-reports", "Scheduled email reports", REP, "insights", 1, "reporting",
       "Send any dashboard as a PDF on a daily, weekly or monthly schedule."),
    _f("cohort-reports", "Cohort reports", REP, "insights", 3, "analytics",
       "Compare groups of records by the week they were created."),
    _f("large-csv-export", "Large CSV exports", REP, "insights", 2, "performance",
       "Export up to five million rows in the background and email a download link."),
    _f("anomaly-alerts", "Metric anomaly alerts", REP, "insights", 3, "ai notifications",
       "Alert owners when a dashboard metric leaves its usual range."),
    _f("natural-language-queries", "Ask your data in plain English", REP, "insights", 3, "ai",
       "Type a question and get a chart built from workspace data."),
    _f("legacy-pdf-reports", "Classic PDF report designer", REP, "insights", 1, "legacy",
       "The pixel-perfect report designer from the 2019 product."),
    # --- billing & plans ------------------------------------------------------------------
    _f("usage-based-billing", "Usage-based billing", BILL, "billing", 2, "pricing",
       "Bill by workflow runs, with committed-use discounts for annual contracts."),
    _f("self-serve-upgrades", "Self-serve plan upgrades", BILL, "billing", 1, "self-serve",
       "Upgrade, downgrade and add seats without talking to sales."),
    _f("ach-payments", "ACH and wire payments", BILL, "billing", 2, "payments enterprise",
       "Pay invoices by ACH debit or wire with automatic reconciliation."),
    _f("multi-currency", "Multi-currency pricing", BILL, "billing", 3, "international",
       "Price plans in EUR, GBP and AUD, charged in the customer's currency."),
    _f("spend-limits", "Spend limits and usage alerts", BILL, "billing", 2, "pricing",
       "Cap monthly usage charges and warn admins at 80% and 100%."),
    _f("sales-tax", "Automatic sales tax and VAT", BILL, "billing", 1, "compliance",
       "Calculate and collect US sales tax and EU VAT at checkout."),
    # --- mobile ---------------------------------------------------------------------------
    _f("mobile-offline-mode", "Mobile offline mode", MOB, "mobile", 2, "offline",
       "Keep working without signal: changes queue on the device and sync when back online."),
    _f("push-notifications", "Push notifications", MOB, "mobile", 1, "notifications",
       "Assignments, mentions and approvals as push notifications on iOS and Android."),
    _f("mobile-approvals", "Approve from mobile", MOB, "mobile", 2, "workflows",
       "Review and approve requests from the lock screen."),
    _f("tablet-layout", "Tablet layout", MOB, "mobile", 3, "ui",
       "A two-pane layout for iPad and Android tablets."),
    _f("photo-capture", "Photo capture with annotations", MOB, "mobile", 1, "field",
       "Attach photos to a record and mark them up before saving."),
    # --- API & platform -------------------------------------------------------------------
    _f("public-api-v2", "Public REST API v2", PLAT, "core-platform", 1, "api",
       "Versioned REST API with cursor pagination and OAuth scopes."),
    _f("graphql-api", "GraphQL API", PLAT, "core-platform", 3, "api",
       "Query workspaces, records and workflows through one GraphQL endpoint."),
    _f("sandbox-workspaces", "Sandbox workspaces", PLAT, "core-platform", 2,
       "enterprise platform", "Test workflow changes in a copy before they reach production."),
)

# How many features sit in each stage today, as weights over the catalogue.
STAGE_WEIGHTS = {
    "idea": 0.13, "discovery": 0.11, "planned": 0.12, "building": 0.15, "beta": 0.10,
    "launched": 0.15, "adopted": 0.16, "retired": 0.08,
}
