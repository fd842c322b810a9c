"""Bringing feedback in: file formats, the ready-made column layouts of common tools, accounts."""
