"""Imports every domain's tables so that ``Base.metadata`` is complete (for Alembic and tests)."""

from prodloop.auth import models as auth_models
from prodloop.delivery import models as delivery_models
from prodloop.experiments.flags import models as flag_models
from prodloop.ledger import models as ledger_models
from prodloop.store.base import Base

metadata = Base.metadata

__all__ = ["auth_models", "delivery_models", "flag_models", "ledger_models", "metadata"]
