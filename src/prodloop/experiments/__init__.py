"""Experiments: feature flags and assignment, the experiment registry, and the statistics
engine that says whether a change worked."""
