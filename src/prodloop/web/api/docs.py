"""OpenAPI docs served with the app's own copy of Swagger UI (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/api/docs")
def swagger_ui() -> HTMLResponse:
    """Interactive API documentation."""
    return get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="prodloop API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
    )
