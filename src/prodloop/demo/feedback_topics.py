"""What the demo company's customers say, topic by topic, in many phrasings.

Each topic names the feature it is about, what kind of feedback it is, how often it comes
up, which segments raise it and through which channels. Phrasings are written the way
customers write: short and long, polite and blunt, with the product's own words and not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """One thing customers keep saying."""

    key: str
    feature: str
    kind: str  # request, bug, complaint, praise, question
    weight: float  # share of the steady volume
    segments: dict[str, float]  # how likely each segment is to raise it
    phrasings: tuple[str, ...]


OPENERS = (
    "",
    "",
    "",
    "",
    "Hi team, ",
    "Hello, ",
    "Hey! ",
    "Quick one: ",
    "Feedback: ",
    "Not sure who to ask, but ",
    "As discussed on the call, ",
    "FYI ",
)
CLOSERS = ("", "", "", "", "", "", "", " Thanks.", " Cheers", " Please advise.", " 🙏")
# Specifics customers add, by kind of feedback; the slots make each message its own.
DETAILS = {
    "bug": (
        "Happens on {device}.",
        "Started after the {day} update.",
        "Version {version}.",
        "{n} of our users hit it.",
        "Reproducible every time.",
        "Screenshot attached.",
        "Cleared cache, reinstalled, same thing.",
        "Only on {device}, desktop is fine.",
    ),
    "complaint": (
        "We filed {tickets} tickets about this already.",
        "It's costing us {hours} hours a week.",
        "Our {team} team is really frustrated.",
        "Third time this {period}.",
        "{n} people complained to me today alone.",
        "Honestly considering alternatives.",
    ),
    "request": (
        "Ideally before {quarter}.",
        "{n} of our users asked for it.",
        "Our {team} team would use it daily.",
        "Competitors already offer this.",
        "It would unblock our rollout to the {team} team.",
        "Even a basic version would help.",
    ),
    "question": (
        "Couldn't find it in the docs.",
        "Asking for our {team} team.",
        "Is there a workaround until then?",
        "A link to a help article would be enough.",
    ),
    "praise": (
        "Our {team} team loves it.",
        "Saved us {hours} hours a week.",
        "Keep it up!",
        "Recommended you to two other companies.",
    ),
}
SLOTS = {
    "device": ("iPhone 14", "Pixel 7", "Galaxy S23", "an iPad Air", "Android 14", "iOS 17.4"),
    "day": ("Monday", "Tuesday", "Thursday", "last week's", "yesterday's"),
    "period": ("week", "month", "sprint", "quarter"),
    "version": ("4.10.2", "4.11.0", "4.12.1", "4.12.3", "5.0.0-beta"),
    "team": ("finance", "field service", "HR", "IT", "operations", "procurement", "sales"),
    "quarter": ("Q1", "Q2", "Q3", "Q4", "the end of the year", "our renewal", "summer"),
}
CONTEXT = (  # rarer: long messages with background
    "We roll this out to {n} people next month.",
    "Our ops lead brought this up again in today's standup.",
    "We've been customers for {years} years and this is the first time I write in.",
    "It came up in our quarterly review with your CSM as well.",
    "Several people on my team mentioned the same thing.",
    "Our IT department is asking about it before renewal.",
    "Not urgent, but it would save us a lot of manual work.",
    "Right now we work around it with spreadsheets.",
)

TOPICS: tuple[Topic, ...] = (
    Topic(
        "sso-login-failures",
        "saml-sso",
        "complaint",
        0.035,
        {"enterprise": 0.85, "mid_market": 0.12, "smb": 0.03},
        (
            "SSO login through Okta fails with 'SAML response invalid' for half of our users",
            "Our people get stuck in a redirect loop when signing in with SSO",
            "SAML sign-in has been timing out all week, users can't get in",
            "Since your last release SSO logins randomly kick us back to the password screen",
            "Entra ID single sign-on broke again this morning, 300 staff locked out",
            "sso is down AGAIN. this is the third time this month",
            "Login via SAML keeps failing with an assertion expired error",
            "We can't log in with Okta SSO, it just spins and then errors out",
            "Single sign on randomly logs people out and then the SAML login errors",
            "Users report 'invalid signature' on SSO login every morning",
        ),
    ),
    Topic(
        "eu-residency",
        "eu-data-residency",
        "request",
        0.0016,
        {"enterprise": 1.0, "mid_market": 0.0, "smb": 0.0},
        (
            "Our DPO requires that all data stays in the EU. Do you offer EU data residency?",
            "We cannot renew unless our workspace data is hosted in Frankfurt (EU residency)",
            "Legal blocked the expansion: we need EU data residency for GDPR",
            "Is hosting in an EU region on the roadmap? Data residency is a hard requirement",
            "Need our data stored in the EU only, it's a procurement must-have",
        ),
    ),
    Topic(
        "dark-theme",
        "dark-mode",
        "request",
        0.07,
        {"smb": 1.0},
        (
            "Please add a dark mode!",
            "dark mode pls, my eyes hurt at night",
            "Any plans for a dark theme? The white screen is blinding in the evening",
            "Would love a dark mode that follows my OS setting",
            "Dark theme would be amazing, everything else I use has one",
            "pleeease dark mode",
            "The app is so bright at night. A dark theme option would be great",
            "Add dark mode so I can use it late without burning my retinas",
        ),
    ),
    Topic(
        "usage-pricing",
        "usage-based-billing",
        "request",
        0.045,
        {"mid_market": 0.5, "enterprise": 0.3, "smb": 0.2},
        (
            "We'd rather pay for workflow runs than per seat, our usage is very seasonal",
            "Per-seat pricing doesn't work for us; usage based billing would",
            "Can we be billed on usage? Half our seats are idle most months",
            "Paying for seats nobody uses is frustrating. Usage pricing please",
            "Is there a consumption-based plan? We run few workflows but have many viewers",
        ),
    ),
    Topic(
        "scim",
        "scim-provisioning",
        "request",
        0.03,
        {"enterprise": 0.7, "mid_market": 0.3, "smb": 0.0},
        (
            "We need SCIM so accounts get deprovisioned automatically when people leave",
            "Do you support SCIM provisioning from Okta? Manual user management is painful",
            "Automatic user provisioning via SCIM is a must for our security team",
            "When someone leaves we still have to remove them by hand. SCIM please",
        ),
    ),
    Topic(
        "audit-export",
        "audit-log-export",
        "request",
        0.025,
        {"enterprise": 0.75, "mid_market": 0.25, "smb": 0.0},
        (
            "Our auditors need the audit log as CSV for the last 12 months",
            "Can we stream the audit log into Splunk?",
            "Please let us export audit logs, SOC 2 evidence collection is manual today",
            "Is there a way to send audit events to Datadog or S3?",
        ),
    ),
    Topic(
        "offline-sync-bug",
        "mobile-offline-mode",
        "bug",
        0.05,
        {"mid_market": 0.45, "smb": 0.35, "enterprise": 0.2},
        (
            "Changes made offline on the phone disappear when it reconnects",
            "Offline mode lost a whole day of inspections, nothing synced",
            "App says 'sync pending' forever after coming back online",
            "Field techs lose data when they have no signal, sync is broken",
            "offline edits get overwritten when the app syncs",
        ),
    ),
    Topic(
        "slow-csv-export",
        "large-csv-export",
        "complaint",
        0.045,
        {"mid_market": 0.5, "enterprise": 0.35, "smb": 0.15},
        (
            "Exporting a big table to CSV takes forever and then times out",
            "CSV export of 200k rows fails every time",
            "Large exports never finish, we need the data for month-end",
            "The export button just spins for big reports",
            "Downloading a CSV with more than 100k rows crashes the page",
        ),
    ),
    Topic(
        "push-delays",
        "push-notifications",
        "bug",
        0.04,
        {"smb": 0.5, "mid_market": 0.35, "enterprise": 0.15},
        (
            "Push notifications arrive hours late on Android",
            "I don't get push notifications for approvals on my iPhone anymore",
            "notifications on mobile are delayed or missing",
            "Approval pushes show up the next morning, useless for urgent requests",
        ),
    ),
    Topic(
        "slack-praise",
        "slack-alerts",
        "praise",
        0.04,
        {"smb": 0.5, "mid_market": 0.35, "enterprise": 0.15},
        (
            "Love approving straight from Slack, huge time saver",
            "The Slack alerts are fantastic, the whole team uses them",
            "Approve/reject buttons in Slack threads = chef's kiss",
            "Slack integration works great, thanks!",
        ),
    ),
    Topic(
        "teams-request",
        "teams-app",
        "request",
        0.03,
        {"enterprise": 0.6, "mid_market": 0.35, "smb": 0.05},
        (
            "We're a Microsoft shop, please build a Teams app like the Slack one",
            "Can approvals be done inside Microsoft Teams?",
            "Teams notifications would help adoption a lot in our company",
        ),
    ),
    Topic(
        "salesforce-sync",
        "salesforce-sync",
        "request",
        0.025,
        {"enterprise": 0.6, "mid_market": 0.4, "smb": 0.0},
        (
            "Two-way Salesforce sync would remove a lot of double entry for our sales ops",
            "Accounts changed in Salesforce don't update here, we need a real sync",
            "Is a bidirectional Salesforce integration coming?",
        ),
    ),
    Topic(
        "workflow-builder",
        "workflow-builder-v2",
        "request",
        0.05,
        {"smb": 0.4, "mid_market": 0.4, "enterprise": 0.2},
        (
            "The workflow builder needs branching, we duplicate whole workflows today",
            "Let us add delays and conditions to workflow steps",
            "Drag and drop in the builder is clunky, hard to reorder steps",
            "Reusable steps in workflows would save us hours",
        ),
    ),
    Topic(
        "search-bad",
        "workspace-search",
        "complaint",
        0.04,
        {"smb": 0.4, "mid_market": 0.4, "enterprise": 0.2},
        (
            "Search never finds the record I'm looking for",
            "Why can't I search comments? Search only looks at titles",
            "Global search is slow and the results are irrelevant",
            "I have to scroll through lists because search is useless",
        ),
    ),
    Topic(
        "scheduled-reports",
        "scheduled-reports",
        "question",
        0.03,
        {"smb": 0.4, "mid_market": 0.4, "enterprise": 0.2},
        (
            "How do I send a dashboard every Monday as a PDF?",
            "Can reports be emailed automatically each week?",
            "Is it possible to schedule a monthly report to our management?",
        ),
    ),
    Topic(
        "onboarding-praise",
        "onboarding-checklist",
        "praise",
        0.04,
        {"smb": 0.7, "mid_market": 0.25, "enterprise": 0.05},
        (
            "Setup was super easy, the checklist walked us through everything",
            "Great onboarding, we had our first workflow live in a day",
            "Really intuitive to get started, well done",
            "Best onboarding of any tool we tried",
        ),
    ),
    Topic(
        "invoice-confusion",
        "self-serve-upgrades",
        "complaint",
        0.035,
        {"smb": 0.6, "mid_market": 0.35, "enterprise": 0.05},
        (
            "The invoice is confusing, I can't tell what we're paying for",
            "Why was I charged for extra seats? Nobody added users",
            "Changing plans is a nightmare, I had to email sales to downgrade",
            "Billing page doesn't let me remove seats myself",
        ),
    ),
    Topic(
        "api-pagination",
        "public-api-v2",
        "bug",
        0.025,
        {"mid_market": 0.5, "enterprise": 0.4, "smb": 0.1},
        (
            "API pagination skips records when items change between pages",
            "The REST API returns 500 on the second page of results",
            "Rate limits on the API are too low for our nightly sync",
        ),
    ),
    Topic(
        "custom-roles",
        "custom-roles",
        "request",
        0.03,
        {"enterprise": 0.6, "mid_market": 0.35, "smb": 0.05},
        (
            "We need a role that can approve but not edit workflows",
            "Admin/editor/viewer is too coarse, please add custom roles",
            "Granular permissions per workflow are required by our compliance team",
        ),
    ),
    Topic(
        "tablet-layout",
        "tablet-layout",
        "request",
        0.02,
        {"smb": 0.5, "mid_market": 0.4, "enterprise": 0.1},
        (
            "On the iPad the app is just a stretched phone layout",
            "A proper tablet layout with two panes would be great for our field teams",
        ),
    ),
    Topic(
        "app-crash",
        "photo-capture",
        "bug",
        0.035,
        {"smb": 0.5, "mid_market": 0.35, "enterprise": 0.15},
        (
            "App crashes when I attach a photo",
            "Camera freezes when annotating a picture, then the app closes",
            "Adding photos to a record crashes the app on Android 14",
            "crash every time i take a photo in the app",
        ),
    ),
    Topic(
        "spend-limits",
        "spend-limits",
        "request",
        0.015,
        {"mid_market": 0.6, "enterprise": 0.3, "smb": 0.1},
        (
            "We need a cap on monthly usage charges, finance got a surprise bill",
            "Can admins get an alert before usage costs go over budget?",
        ),
    ),
    Topic(
        "ai-suggestions",
        "ai-workflow-suggestions",
        "question",
        0.015,
        {"smb": 0.4, "mid_market": 0.4, "enterprise": 0.2},
        (
            "Are you adding AI to suggest automations? Competitors have it",
            "Could the tool suggest workflows from what we do manually?",
        ),
    ),
    Topic(
        "general-praise",
        "template-gallery",
        "praise",
        0.03,
        {"smb": 0.6, "mid_market": 0.3, "enterprise": 0.1},
        (
            "The templates saved us so much time getting started",
            "Love the template gallery, found an approval flow that fit perfectly",
        ),
    ),
)
