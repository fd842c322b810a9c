"""Tests of the feedback hub."""
