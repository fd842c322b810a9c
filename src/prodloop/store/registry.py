"""Imports every domain's tables so that ``Base.metadata`` is complete (for Alembic and tests)."""

from prodloop.analytics import metric_models
from prodloop.analytics import models as analytics_models
from prodloop.analytics import saved_models as insight_models
from prodloop.auth import models as auth_models
from prodloop.delivery import models as delivery_models
from prodloop.experiments.flags import models as flag_models
from prodloop.experiments.registry import models as experiment_models
from prodloop.feedback import models as feedback_models
from prodloop.ledger import models as ledger_models
from prodloop.store.base import Base

metadata = Base.metadata

__all__ = [
    "analytics_models",
    "auth_models",
    "delivery_models",
    "experiment_models",
    "feedback_models",
    "flag_models",
    "insight_models",
    "ledger_models",
    "metadata",
    "metric_models",
]
