"""The demo company: a realistic B2B SaaS workspace built from a fixed seed.

``build_demo`` runs every registered extension in order; each adds its domain's data through
that domain's services and returns the truths it planted, which land in the manifest so
tests can check that prodloop finds them. The ledger registers through the same hook as
any other extension (``register_demo_extension``) and runs first.
"""

from prodloop.demo.build import build_demo, write_manifest
from prodloop.demo.context import Company, DemoContext, DemoError
from prodloop.demo.extensions import (
    BUILT_IN_EXTENSIONS,
    ENTRY_POINT_GROUP,
    DemoExtension,
    isolated_demo_extensions,
    register_demo_extension,
    run_order,
    temporary_demo_extension,
)

__all__ = [
    "BUILT_IN_EXTENSIONS",
    "ENTRY_POINT_GROUP",
    "Company",
    "DemoContext",
    "DemoError",
    "DemoExtension",
    "build_demo",
    "isolated_demo_extensions",
    "register_demo_extension",
    "run_order",
    "temporary_demo_extension",
    "write_manifest",
]
