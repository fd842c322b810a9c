"""The catalogue of features the demo company has shipped, is building or is thinking about.

Each entry is a header line ``key | team | maturity | tags | title`` under its product
area, then an indented description. ``maturity`` hints where a feature tends to sit in its
lifecycle: 1 for long-established capabilities, 2 for this year's work, 3 for new ideas.
The simulator adds noise, so the seed decides the exact stages.
"""

from __future__ import annotations

from dataclasses import dataclass

CATALOGUE_TEXT = """
[security-compliance]
saml-sso | core-platform | 1 | enterprise security | SAML single sign-on
    Let admins enforce sign-in through Okta, Entra ID or Google Workspace over SAML 2.0.
scim-provisioning | core-platform | 2 | enterprise security | SCIM user provisioning
    Create, update and deactivate members automatically from the identity provider.
custom-roles | core-platform | 2 | enterprise permissions | Custom roles and permissions
    Define roles beyond admin, editor and viewer, with permissions per workflow.
enforced-2fa | core-platform | 1 | security | Enforced two-factor authentication
    Workspace admins can require TOTP or WebAuthn for every member.
session-policies | core-platform | 2 | security compliance | Session timeout policies
    Idle and absolute session limits, configurable per workspace.
ip-allowlisting | core-platform | 3 | enterprise security | IP allow-listing
    Restrict access to the workspace to office and VPN address ranges.
audit-log-export | core-platform | 2 | enterprise compliance | Audit log export
    Stream the audit log to S3, Splunk or Datadog, and export it as CSV for auditors.
eu-data-residency | core-platform | 3 | enterprise compliance | EU data residency
    Host a workspace's data in the Frankfurt region.
retention-policies | core-platform | 2 | compliance | Data retention policies
    Delete records older than a configurable age, with a legal-hold override.
[workspace]
onboarding-checklist | growth | 1 | onboarding activation | Guided onboarding checklist
    A five-step checklist that walks new workspaces to their first live workflow.
template-gallery | growth | 1 | onboarding templates | Workflow template gallery
    Start from 60 ready-made workflows for approvals, intake and field work.
comments-mentions | growth | 1 | collaboration | Comments and @mentions
    Discuss a record in place and pull colleagues in with @mentions.
guest-access | growth | 2 | collaboration | Guest access for external collaborators
    Invite contractors and clients to single workflows without a seat.
classic-email-digest | growth | 1 | notifications legacy | Classic daily email digest
    The once-a-day summary email, from before per-person notification settings.
desktop-notifier | growth | 1 | notifications legacy | Windows desktop notifier
    A tray app that pops up approvals and mentions on Windows desktops.
dark-mode | growth | 3 | ui | Dark mode
    A dark theme that follows the operating-system setting.
in-app-guides | growth | 2 | onboarding | In-app product tours
    Contextual tours that explain a screen the first time someone opens it.
referral-program | growth | 3 | growth self-serve | Customer referral programme
    Give a month free to workspaces that refer a paying customer.
workspace-search | growth | 2 | search | Global search
    Search records, workflows and comments across the workspace from one box.
[automation]
workflow-builder-v2 | core-platform | 2 | workflows | Visual workflow builder v2
    Drag-and-drop builder with branches, delays and reusable steps.
multi-step-approvals | core-platform | 1 | workflows enterprise | Multi-step approvals
    Route requests through sequential or parallel approvers with deadlines.
recurring-tasks | growth | 1 | workflows | Recurring tasks
    Create tasks on a schedule: daily inspections, monthly audits.
ai-workflow-suggestions | growth | 3 | ai workflows | AI workflow suggestions
    Suggest automations from manual steps people repeat every week.
sla-escalations | core-platform | 2 | workflows | SLA escalations
    Escalate overdue steps to a manager and log the breach.
[integrations]
slack-alerts | integrations | 1 | notifications | Slack alerts
    Post workflow events to Slack channels, with approve and reject buttons in-thread.
teams-app | integrations | 2 | notifications enterprise | Microsoft Teams app
    Notifications and approvals inside Microsoft Teams.
salesforce-sync | integrations | 2 | crm enterprise | Salesforce two-way sync
    Keep accounts and opportunities in step with Salesforce, both ways.
hubspot-sync | integrations | 1 | crm | HubSpot contact sync
    Import HubSpot companies and contacts and keep them current.
jira-cloud | integrations | 1 | engineering | Jira Cloud integration
    Open Jira issues from a workflow step and reflect their status back.
zapier-app | integrations | 1 | self-serve | Zapier app
    Triggers and actions for 6,000 apps through Zapier.
sheets-live-export | integrations | 1 | reporting | Google Sheets live export
    Mirror a table into a Google Sheet that refreshes every 15 minutes.
snowflake-share | integrations | 3 | data enterprise | Snowflake data share
    Share workspace data straight into the customer's Snowflake account.
webhook-retries | integrations | 2 | api reliability | Webhook delivery retries
    Retry failed webhooks with backoff and keep a delivery log.
[reporting]
dashboard-sharing | insights | 2 | collaboration | Dashboard sharing
    Share dashboards with view-only links and embed them in Notion or Confluence.
custom-dashboards | insights | 1 | dashboards | Custom dashboards
    Build dashboards from any workflow field with ten chart types.
scheduled-reports | insights | 1 | reporting | Scheduled email reports
    Send any dashboard as a PDF on a daily, weekly or monthly schedule.
cohort-reports | insights | 3 | analytics | Cohort reports
    Compare groups of records by the week they were created.
large-csv-export | insights | 2 | performance | Large CSV exports
    Export up to five million rows in the background and email a download link.
anomaly-alerts | insights | 3 | ai notifications | Metric anomaly alerts
    Alert owners when a dashboard metric leaves its usual range.
natural-language-queries | insights | 3 | ai | Ask your data in plain English
    Type a question and get a chart built from workspace data.
legacy-pdf-reports | insights | 1 | legacy | Classic PDF report designer
    The pixel-perfect report designer from the first version of the product.
[billing]
usage-based-billing | billing | 2 | pricing | Usage-based billing
    Bill by workflow runs, with committed-use discounts for annual contracts.
self-serve-upgrades | billing | 1 | self-serve | Self-serve plan upgrades
    Upgrade, downgrade and add seats without talking to sales.
ach-payments | billing | 2 | payments enterprise | ACH and wire payments
    Pay invoices by ACH debit or wire with automatic reconciliation.
multi-currency | billing | 3 | international | Multi-currency pricing
    Price plans in EUR, GBP and AUD, charged in the customer's currency.
spend-limits | billing | 2 | pricing | Spend limits and usage alerts
    Cap monthly usage charges and warn admins at 80% and 100%.
sales-tax | billing | 1 | compliance | Automatic sales tax and VAT
    Calculate and collect US sales tax and EU VAT at checkout.
[mobile]
mobile-offline-mode | mobile | 2 | offline | Mobile offline mode
    Keep working without signal: changes queue on the device and sync when back online.
push-notifications | mobile | 1 | notifications | Push notifications
    Assignments, mentions and approvals as push notifications on iOS and Android.
mobile-approvals | mobile | 2 | workflows | Approve from mobile
    Review and approve requests from the lock screen.
tablet-layout | mobile | 3 | ui | Tablet layout
    A two-pane layout for iPad and Android tablets.
photo-capture | mobile | 1 | field | Photo capture with annotations
    Attach photos to a record and mark them up before saving.
[platform]
public-api-v2 | core-platform | 1 | api | Public REST API v2
    Versioned REST API with cursor pagination and OAuth scopes.
graphql-api | core-platform | 3 | api | GraphQL API
    Query workspaces, records and workflows through one GraphQL endpoint.
sandbox-workspaces | core-platform | 2 | enterprise platform | Sandbox workspaces
    Test workflow changes in a copy before they reach production.
"""

# Old capabilities the company may sunset during the year.
RETIRABLE = frozenset(
    {"legacy-pdf-reports", "sheets-live-export", "classic-email-digest", "desktop-notifier"}
)

# How many features sit in each stage today, as weights over the catalogue.
STAGE_WEIGHTS = {
    "idea": 0.13,
    "discovery": 0.11,
    "planned": 0.12,
    "building": 0.15,
    "beta": 0.10,
    "launched": 0.15,
    "adopted": 0.16,
    "retired": 0.08,
}


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

    @property
    def retirable(self) -> bool:
        """Whether this is an old capability the company may sunset."""
        return self.key in RETIRABLE


def parse_catalogue(text: str) -> tuple[FeatureSpec, ...]:
    """The features declared in ``text`` (see the module docstring for the layout)."""
    specs: list[FeatureSpec] = []
    area = ""
    header: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("["):
            area = line.strip("[]")
        elif line.startswith(" "):
            key, team, maturity, tags, title = header
            specs.append(
                FeatureSpec(
                    key, title, area, team, int(maturity), tuple(tags.split()), line.strip()
                )
            )
        else:
            header = [part.strip() for part in line.split("|")]
    return tuple(specs)


CATALOGUE = parse_catalogue(CATALOGUE_TEXT)
