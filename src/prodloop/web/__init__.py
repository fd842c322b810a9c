"""The web adapter: JSON API, server-rendered pages and (later) capture endpoints."""
