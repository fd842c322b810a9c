"""Insights over the event lake: trends, funnels, retention, stickiness, lifecycle, paths, adoption.

Each insight is a pydantic query, a pure SQL builder over the relations of
:mod:`prodloop.analytics.query`, and a typed result that carries the SQL it ran.
"""
