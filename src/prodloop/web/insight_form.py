"""An insight editor's form, derived from the kind's query model (its JSON schema).

Every insight kind gets the same editor without a template of its own: dates become date
pickers, choices become selects, event names get a picker fed by the lake's event names,
small nested objects (a breakdown) become a group of inputs, and anything richer (filters,
funnel steps with properties) is edited as JSON. The form travels in the query string, so
every insight view is a shareable URL; :func:`query_from_params` turns it back into the
query dict the kind's model validates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from prodloop.ledger.errors import RuleError

Widget = Literal["date", "select", "number", "checkbox", "text", "event", "events", "steps", "json"]

#: Default reporting window when a kind's query requires one and the URL has none.
DEFAULT_DAYS = 30


class FormField(BaseModel):
    """One input of the editor."""

    name: str
    label: str
    widget: Widget
    value: str = ""
    values: list[str] = []
    options: list[str] = []
    required: bool = False
    help: str = ""
    group: str = ""
    advanced: bool = False


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    """``node`` with ``$ref`` followed and ``anyOf [X, null]`` unwrapped."""
    node = dict(node)
    if "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        target = schema.get("$defs", {}).get(name, {})
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        if len(options) == 1:
            merged = {k: v for k, v in node.items() if k != "anyOf"}
            node = {**_resolve(schema, options[0]), **merged}
    if "allOf" in node and len(node["allOf"]) == 1:
        node = {
            **_resolve(schema, node["allOf"][0]),
            **{k: v for k, v in node.items() if k != "allOf"},
        }
    return node


def _label(name: str, node: Mapping[str, Any]) -> str:
    title = str(node.get("title") or name.replace("_", " "))
    return title[:1].upper() + title[1:].lower()


def _choices(node: Mapping[str, Any]) -> list[str]:
    if "enum" in node:
        return [str(v) for v in node["enum"]]
    if "const" in node:
        return [str(node["const"])]
    if "anyOf" in node:
        values = [o.get("const", o.get("enum")) for o in node["anyOf"]]
        if all(isinstance(v, str | int) for v in values):
            return [str(v) for v in values]
    return []


def _is_event_name(name: str) -> bool:
    return name in {"event", "events"} or name.endswith(("_event", "_events"))


def _widget(schema: Mapping[str, Any], name: str, node: Mapping[str, Any]) -> Widget:
    kind = node.get("type")
    if _choices(node):
        return "select"
    if kind == "string" and node.get("format") == "date":
        return "date"
    if kind == "string":
        return "event" if _is_event_name(name) else "text"
    if kind in {"integer", "number"}:
        return "number"
    if kind == "boolean":
        return "checkbox"
    if kind == "array":
        items = _resolve(schema, node.get("items", {}))
        if items.get("type") == "string" and _is_event_name(name):
            return "events"
        if items.get("type") == "object" and "event" in items.get("properties", {}):
            return "steps"
    return "json"


def _listed(value: Any, widget: Widget) -> list[str]:
    if not isinstance(value, list):
        return []
    if widget == "steps":
        return [str(item.get("event") or "") for item in value if isinstance(item, Mapping)]
    return [str(item) for item in value]


def _as_text(value: Any, widget: Widget) -> str:
    if value is None:
        return ""
    if widget == "json":
        return json.dumps(value, indent=1) if value not in ({}, []) else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def form_fields(model: type[BaseModel], query: Mapping[str, Any]) -> list[FormField]:
    """The editor's inputs for ``model``, filled from ``query`` (else the model's defaults)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    fields: list[FormField] = []
    for name, raw in schema.get("properties", {}).items():
        node = _resolve(schema, raw)
        value = query.get(name, node.get("default"))
        if node.get("type") == "object" and node.get("properties"):
            group = _label(name, raw)
            fields.extend(
                _group_fields(schema, name, node, value, required=name in required, label=group)
            )
            continue
        widget = _widget(schema, name, node)
        fields.append(
            FormField(
                name=name,
                label=_label(name, raw),
                widget=widget,
                value="" if widget in {"events", "steps"} else _as_text(value, widget),
                values=_listed(value, widget),
                options=_choices(node),
                required=name in required,
                help=str(node.get("description", "")),
                advanced=_is_advanced(name, widget, required=name in required),
            )
        )
    return fields


#: Fields every editor shows up front (the rest fold under "More options").
PRIMARY = frozenset({"date_from", "date_to", "interval", "breakdown", "compare", "unit"})


def _is_advanced(name: str, widget: Widget, *, required: bool) -> bool:
    return not (required or name in PRIMARY or widget in {"event", "events", "steps"})


def _group_fields(
    schema: Mapping[str, Any],
    name: str,
    node: Mapping[str, Any],
    value: Any,
    *,
    required: bool,
    label: str,
) -> list[FormField]:
    """A small object (a breakdown, a retention event) as one input per property."""
    values = value if isinstance(value, Mapping) else {}
    fields = []
    for key, raw in node.get("properties", {}).items():
        child = _resolve(schema, raw)
        widget = _widget(schema, key, child)
        current = values.get(key, child.get("default") if values else None)
        fields.append(
            FormField(
                name=f"{name}.{key}",
                label=_label(key, child),
                widget=widget,
                value=_as_text(current, widget),
                options=_choices(child),
                required=required and key in node.get("required", []),
                help=str(child.get("description", "")),
                group=label,
                advanced=_is_advanced(name, "json", required=required) or widget == "json",
            )
        )
    return fields


def query_from_params(
    model: type[BaseModel], params: Sequence[tuple[str, str]], base: Mapping[str, Any]
) -> dict[str, Any]:
    """The query dict the form's ``params`` describe, over ``base`` (a saved or JSON query).

    Only fields the form sent replace ``base``; an empty input means "the default". JSON
    inputs that do not parse are refused naming their field.
    """
    sent: dict[str, list[str]] = {}
    for key, value in params:
        sent.setdefault(key, []).append(value)
    query = dict(base)
    groups: dict[str, dict[str, Any]] = {}
    for field in form_fields(model, {}):
        if field.name not in sent:
            continue
        raw = [v.strip() for v in sent[field.name]]
        value = _parse(field, raw, base.get(field.name))
        if "." in field.name:
            group, key = field.name.split(".", 1)
            if value is not None:
                groups.setdefault(group, {})[key] = value
            else:
                groups.setdefault(group, {})
            continue
        if value is None:
            query.pop(field.name, None)
        else:
            query[field.name] = value
    for group, values in groups.items():
        if values:
            query[group] = values
        else:
            query.pop(group, None)
    return query


def _parse(field: FormField, raw: list[str], before: Any) -> Any:
    if field.widget == "events":
        names = [v for v in raw if v]
        return names or None
    if field.widget == "steps":
        # keep what the form cannot show (filters, labels) on the rows that stay
        old = (
            [item for item in before if isinstance(item, Mapping)]
            if isinstance(before, list)
            else []
        )
        rows = [v for v in raw if v]
        steps = [{**(old[i] if i < len(old) else {}), "event": name} for i, name in enumerate(rows)]
        return steps or None
    text = raw[-1] if raw else ""
    if field.widget == "checkbox":
        return text.lower() in {"on", "true", "1", "yes"}
    if not text:
        return None
    if field.widget == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as bad:
            raise RuleError(f"{field.name}: not valid JSON ({bad.msg})", field=field.name) from None
    return text


def default_query(model: type[BaseModel], *, today: date, events: Sequence[str]) -> dict[str, Any]:
    """A first query to show when the URL has none: the last 30 days, the busiest event."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    query: dict[str, Any] = {}
    properties = schema.get("properties", {})
    if "date_from" in properties:
        query["date_from"] = (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    if "date_to" in properties:
        query["date_to"] = today.isoformat()
    for name, raw in properties.items():
        if name not in required or name in query or not events:
            continue
        node = _resolve(schema, raw)
        widget = _widget(schema, name, node)
        if node.get("type") == "object" and "event" in node.get("properties", {}):
            query[name] = {"event": events[0]}
        elif widget == "event":
            query[name] = events[0]
        elif widget == "events":
            query[name] = list(events[:2])
        elif widget == "steps":
            query[name] = [{"event": event} for event in events[:2]]
    return query
