"""The original's Web Push subscription store, over the generated push-subscriptions table.

The table is a schema declaration (``[tables.push_subscriptions]``): the
generated ``DynamoPushSubscriptionStore`` stores ``PushSubscription`` models
(``put_subscription``, ``delete``, ``list_subscriptions``). The original's web UI
posts and reads the browser's subscription objects as dicts; ``PushSubscriptionsStore``
adds those two methods (``put(dict)``, ``list_all() -> list[dict]``) and keeps the
original's constructor and storage layout (``endpoint`` key, ``subscription`` JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stereo_spot_shared.errors import InvalidArgumentError
from stereo_spot_shared.models import PushSubscription

from ._env import optional_env
from .env_config import PUSH_SUBSCRIPTIONS_TABLE_NAME
from .generated.push_subscriptions import DynamoPushSubscriptionStore

__all__ = ["PushSubscriptionsStore", "push_subscriptions_store_from_env_or_none"]


class PushSubscriptionsStore(DynamoPushSubscriptionStore):
    """``DynamoPushSubscriptionStore`` with the original's dict-based ``put`` and ``list_all``."""

    def put(self, subscription: Mapping[str, Any] | PushSubscription) -> None:
        """Store a browser's subscription object under its ``endpoint`` (replacing one there)."""
        if not isinstance(subscription, PushSubscription):
            if not isinstance(subscription, Mapping) or not subscription.get("endpoint"):
                raise InvalidArgumentError("a push subscription needs an 'endpoint'")
            subscription = PushSubscription.from_subscription(subscription)
        self.put_subscription(subscription)

    def list_all(self) -> list[dict[str, Any]]:
        """Every stored subscription object (one whose JSON is unreadable is left out)."""
        found = (s.subscription_info() for s in self.list_subscriptions())
        return [info for info in found if info is not None]


def push_subscriptions_store_from_env_or_none() -> PushSubscriptionsStore | None:
    """``PushSubscriptionsStore`` on ``$PUSH_SUBSCRIPTIONS_TABLE_NAME``, or ``None`` when unset."""
    table_name = optional_env(PUSH_SUBSCRIPTIONS_TABLE_NAME)
    return None if table_name is None else PushSubscriptionsStore(table_name)
