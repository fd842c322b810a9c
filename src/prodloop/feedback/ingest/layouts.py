"""Ready-made column layouts of the tools feedback comes from, declared once.

Each layout names, for every prodloop field, the export columns (or dotted JSON paths) it
is read from, first match wins. The layouts follow the tools' own exports:

* ``zendesk`` — the Zendesk Support CSV ticket export (Admin Center > Tools > Reports),
  columns ``Id``, ``Subject``, ``Requester``, ``Requester email``, ``Organization``,
  ``Created at``, ``Tags``, ``Satisfaction Score``…; the CSV carries no comment bodies, so a
  ``Description`` column is used when present (as in the JSON export's ``description``).
* ``intercom`` — conversations as the Intercom REST API returns them (``id``,
  ``created_at`` Unix seconds, ``source.body`` HTML, ``source.author.email``,
  ``tags.tags[].name``, ``conversation_rating.rating``) or the Inbox CSV export
  (``Conversation ID``, ``Created at``, ``First message``…).
* ``appstore`` — App Store Connect customer reviews as the App Store Connect API (and the
  CSV tools built on it) give them: ``id``, ``rating``, ``title``, ``body``,
  ``reviewerNickname``, ``createdDate``, ``territory``.
* ``googleplay`` — the monthly Google Play Console reviews CSV (``reviews_<package>_YYYYMM.csv``,
  UTF-16): ``Review Submit Date and Time``, ``Star Rating``, ``Review Title``, ``Review Text``,
  ``Review Link``, ``App Version Name``, ``Device``, ``Reviewer Language``.
* ``nps`` — an NPS / survey export such as Delighted's: ``Response ID``, ``Email``, ``Name``,
  ``Score`` (0 to 10), ``Comment``, ``Response Timestamp``, ``Company``.
* ``salesnotes`` — CRM call notes: ``Note ID``, ``Account Name``, ``Contact Email``,
  ``Contact Name``, ``Owner`` (the rep, kept as metadata), ``Created Date``, ``Note``.
* ``form`` — the embeddable web form's own answers (generic field names).
* ``csv`` / ``json`` / ``ndjson`` — generic files whose columns are named like the fields;
  ``--map FIELD=COLUMN`` overrides any layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIELDS = (
    "external_id",
    "title",
    "text",
    "author_name",
    "author_email",
    "account",
    "received_at",
    "rating",
    "tags",
    "channel",
)


@dataclass(frozen=True)
class Layout:
    """Where one tool's export keeps each field, and what it means."""

    source: str
    channel: str
    columns: dict[str, tuple[str, ...]]
    rating_scale: tuple[float, float] | None = None
    meta_columns: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""

    def with_overrides(self, overrides: dict[str, str]) -> Layout:
        """This layout with ``--map FIELD=COLUMN`` overrides applied (unknown fields refused)."""
        for name in overrides:
            if name not in FIELDS:
                raise ValueError(f"--map: unknown field {name!r} (fields: {', '.join(FIELDS)})")
        columns = {**self.columns, **{k: (v,) for k, v in overrides.items()}}
        return Layout(
            source=self.source,
            channel=self.channel,
            columns=columns,
            rating_scale=self.rating_scale,
            meta_columns=self.meta_columns,
            description=self.description,
        )


_GENERIC = {name: (name,) for name in FIELDS} | {
    "text": ("text", "body", "comment", "feedback", "message"),
    "external_id": ("external_id", "id"),
    "author_email": ("author_email", "email"),
    "author_name": ("author_name", "author", "name"),
    "received_at": ("received_at", "created_at", "date", "timestamp"),
}

LAYOUTS: dict[str, Layout] = {
    "zendesk": Layout(
        source="zendesk",
        channel="support",
        columns={
            "external_id": ("Id", "id"),
            "title": ("Subject", "subject"),
            "text": ("Description", "description", "Subject", "subject"),
            "author_name": ("Requester", "requester.name"),
            "author_email": ("Requester email", "requester.email"),
            "account": ("Organization", "organization.name", "Requester domain"),
            "received_at": ("Created at", "created_at"),
            "rating": ("Satisfaction Score", "satisfaction_rating.score"),
            "tags": ("Tags", "tags"),
        },
        meta_columns=("Status", "Priority", "Via", "Ticket type", "Group", "Assignee"),
        description="Zendesk Support ticket export (CSV or JSON)",
    ),
    "intercom": Layout(
        source="intercom",
        channel="chat",
        columns={
            "external_id": ("id", "Conversation ID"),
            "title": ("source.subject", "title", "Conversation title"),
            "text": ("source.body", "First message", "Conversation first message"),
            "author_name": ("source.author.name", "User name", "Name"),
            "author_email": ("source.author.email", "User email", "Email"),
            "account": ("company.name", "Company name", "Company"),
            "received_at": ("created_at", "Created at", "Conversation started at"),
            "rating": ("conversation_rating.rating", "Conversation rating"),
            "tags": ("tags.tags.name", "Tags"),
        },
        rating_scale=(1, 5),
        meta_columns=("state", "State", "Team assigned"),
        description="Intercom conversations (REST API JSON or Inbox CSV export)",
    ),
    "appstore": Layout(
        source="appstore",
        channel="app_store",
        columns={
            "external_id": ("id", "Review ID"),
            "title": ("title", "attributes.title", "Title"),
            "text": ("body", "attributes.body", "Review", "Body"),
            "author_name": ("reviewerNickname", "attributes.reviewerNickname", "Nickname"),
            "received_at": ("createdDate", "attributes.createdDate", "Date"),
            "rating": ("rating", "attributes.rating", "Rating"),
        },
        rating_scale=(1, 5),
        meta_columns=("territory", "attributes.territory", "Territory", "Version"),
        description="App Store Connect customer reviews",
    ),
    "googleplay": Layout(
        source="googleplay",
        channel="google_play",
        columns={
            "external_id": ("Review Link",),
            "title": ("Review Title",),
            "text": ("Review Text",),
            "received_at": ("Review Submit Date and Time", "Review Submit Millis Since Epoch"),
            "rating": ("Star Rating",),
        },
        rating_scale=(1, 5),
        meta_columns=("App Version Name", "Device", "Reviewer Language", "Package Name"),
        description="Google Play Console monthly reviews CSV",
    ),
    "nps": Layout(
        source="nps",
        channel="survey",
        columns={
            "external_id": ("Response ID", "id"),
            "text": ("Comment", "comment", "Feedback"),
            "author_name": ("Name", "name"),
            "author_email": ("Email", "email"),
            "account": ("Company", "company", "Account"),
            "received_at": ("Response Timestamp", "Created At", "created_at", "Date"),
            "rating": ("Score", "score", "NPS"),
            "tags": ("Tags", "tags"),
        },
        rating_scale=(0, 10),
        description="NPS or survey responses (score + comment)",
    ),
    "salesnotes": Layout(
        source="salesnotes",
        channel="sales",
        columns={
            "external_id": ("Note ID", "Activity ID", "id"),
            "title": ("Subject", "Title"),
            "text": ("Note", "Notes", "Body", "Description"),
            "author_name": ("Contact Name", "Contact"),
            "author_email": ("Contact Email", "Email"),
            "account": ("Account Name", "Company", "Account"),
            "received_at": ("Created Date", "Date", "Activity Date"),
            "tags": ("Tags", "Stage"),
        },
        meta_columns=("Opportunity", "Stage", "Owner"),
        description="Sales call notes exported from a CRM",
    ),
}
for _name in ("csv", "json", "ndjson"):
    LAYOUTS[_name] = Layout(
        source=_name, channel="import", columns=dict(_GENERIC), description=f"generic {_name}"
    )
LAYOUTS["form"] = Layout(
    source="form",
    channel="form",
    columns=dict(_GENERIC),
    description="answers from the embeddable feedback form (its NDJSON export)",
)


def layout_for(source: str, overrides: dict[str, str] | None = None) -> Layout:
    """The layout called ``source`` with any column overrides (ValueError for unknown ones)."""
    try:
        layout = LAYOUTS[source]
    except KeyError:
        raise ValueError(
            f"unknown feedback source {source!r} (sources: {', '.join(LAYOUTS)})"
        ) from None
    return layout.with_overrides(overrides or {})
