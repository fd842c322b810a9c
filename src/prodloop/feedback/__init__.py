"""The feedback hub: customer and operational-team signal, its themes, and its links to features."""
