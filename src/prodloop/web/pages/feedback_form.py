"""The embeddable feedback form: ``/f/{key}`` (a page), ``/f/{key}/embed.js`` (a snippet).

Anyone may post to a form, so it trusts nothing: no session cookie is read (a cross-site
post gains nothing a direct one would not, which is what makes it safe to embed), a hidden
honeypot field catches naive bots, each client address gets a small rate budget per form,
and bodies over 16 KiB are refused before they are parsed.
"""

from __future__ import annotations

import html
import json
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.analytics.ratelimit import RateLimiter
from prodloop.feedback import service, understand
from prodloop.feedback.models import FeedbackForm
from prodloop.feedback.schemas import FeedbackIn
from prodloop.ledger.errors import ConflictError, NotFoundError
from prodloop.web.deps import DbSession

router = APIRouter()

MAX_FORM_BYTES = 16 * 1024
FORM_RATE_PER_MINUTE = 6
HONEYPOT = "website"
_limiter = RateLimiter(per_second=FORM_RATE_PER_MINUTE / 60, burst=FORM_RATE_PER_MINUTE)


def create_form(session: Session, name: str) -> FeedbackForm:
    """A new public form with a random, unguessable key."""
    if session.scalar(select(FeedbackForm).where(FeedbackForm.name == name)) is not None:
        raise ConflictError(f"a form called {name!r} exists", field="name")
    form = FeedbackForm(key=secrets.token_urlsafe(12), name=name)
    session.add(form)
    session.flush()
    return form


def _form(session: Session, key: str) -> FeedbackForm:
    form = session.scalar(select(FeedbackForm).where(FeedbackForm.key == key))
    if form is None or not form.active:
        raise NotFoundError("no such feedback form", field="key")
    return form


def form_html(form: FeedbackForm, *, message: str = "", error: str = "") -> str:
    """The form page: plain HTML that works without JavaScript and inside an iframe."""
    key = html.escape(form.key)
    note = f'<p class="ok">{html.escape(message)}</p>' if message else ""
    note += f'<p class="err" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(form.name)}</title>
<style>body{{font:15px system-ui,sans-serif;margin:0;padding:16px;color:#1f2937}}
label{{display:block;margin:10px 0 4px;font-weight:600}}
textarea,input{{width:100%;box-sizing:border-box;padding:8px;border:1px solid #d1d5db;
border-radius:6px;font:inherit}}
button{{margin-top:12px;padding:8px 16px;border:0;border-radius:6px;background:#4f46e5;
color:#fff;font:inherit;cursor:pointer}}
.hp{{position:absolute;left:-9999px}}.ok{{color:#047857}}.err{{color:#b91c1c}}</style></head><body>
<h1 style="font-size:18px">{html.escape(form.name)}</h1>{note}
<form method="post" action="/f/{key}">
<label for="text">What would make the product better for you?</label>
<textarea id="text" name="text" rows="5" required maxlength="5000"></textarea>
<label for="email">Email (optional, so we can tell you when it ships)</label>
<input id="email" name="email" type="email" maxlength="320">
<label class="hp" aria-hidden="true">Website
<input name="{HONEYPOT}" tabindex="-1" autocomplete="off"></label>
<button type="submit">Send feedback</button></form></body></html>"""


def embed_js(form: FeedbackForm, origin: str) -> str:
    """A one-line snippet's script: it drops the form into the page in an iframe."""
    src = json.dumps(f"{origin}/f/{form.key}")
    return (
        "(function(){var s=document.currentScript;var f=document.createElement('iframe');"
        f"f.src={src};f.title='Feedback';f.style.cssText='width:100%;height:380px;border:0';"
        "s.parentNode.insertBefore(f,s.nextSibling);})();\n"
    )


@router.get("/f/{key}", response_class=HTMLResponse)
def show_form(key: str, db: DbSession) -> HTMLResponse:
    """The public form."""
    return HTMLResponse(form_html(_form(db, key)))


@router.get("/f/{key}/embed.js")
def form_script(key: str, request: Request, db: DbSession) -> Response:
    """``<script src=".../f/KEY/embed.js"></script>`` puts the form where the tag is."""
    form = _form(db, key)
    origin = str(request.base_url).rstrip("/")
    return Response(embed_js(form, origin), media_type="text/javascript")


async def _payload(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        body = json.loads(await request.body())
        return body if isinstance(body, dict) else {}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/f/{key}")
async def submit_form(key: str, request: Request, db: DbSession) -> Response:
    """Take one answer; JSON callers get JSON, browsers get the form back with a thank-you."""
    wants_json = request.headers.get("content-type", "").startswith("application/json")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FORM_BYTES:
        return JSONResponse({"error": {"code": "body_too_large", "field": "body"}}, 413)
    form = _form(db, key)
    client = request.client.host if request.client else "unknown"
    wait = _limiter.admit(f"{form.key}:{client}", 1)
    if wait is not None:
        return JSONResponse(
            {"error": {"code": "rate_limited", "message": "too many answers", "field": None}},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    try:
        data = await _payload(request)
    except (ValueError, UnicodeDecodeError):
        data = {}
    if data.get(HONEYPOT):  # a bot filled the hidden field: pretend all is well
        return _thanks(form, wants_json)
    try:
        item = FeedbackIn(
            text=str(data.get("text", ""))[:5000],
            author_email=str(data.get("email", "")),
            author_name=str(data.get("name", ""))[:200],
            channel="form",
            metadata={"form": form.name},
        )
    except ValidationError as invalid:
        message = "; ".join(e["msg"] for e in invalid.errors())
        if wants_json:
            return JSONResponse(
                {"error": {"code": "invalid", "message": message, "field": "text"}}, 422
            )
        return HTMLResponse(form_html(form, error="Please write a few words first."), 422)
    summary = service.submit_items(db, [item], source="form")
    preferred = request.app.state.settings.feedback_embedder
    understand.after_ingest(db, summary.item_ids, embedder=understand.embedder_for(db, preferred))
    db.commit()
    return _thanks(form, wants_json)


def _thanks(form: FeedbackForm, wants_json: bool) -> Response:
    if wants_json:
        return JSONResponse({"received": True}, status_code=201)
    return HTMLResponse(form_html(form, message="Thank you! We read every answer."), 201)
