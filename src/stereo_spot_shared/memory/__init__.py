"""The in-memory backend: every adapter the schema declares, with the AWS adapters' semantics.

Select it with ``STORAGE_ADAPTER=memory`` (``stereo_spot_shared.adapters_from_env``),
or build a bundle directly with
``stereo_spot_shared.generated.memory_backend.build_adapters()``. Each bundle
owns its own ``MemoryState``: two bundles never share data. Nothing here
imports a cloud SDK.
"""

from .leases import MemoryLeases
from .metrics import MemoryConversionMetricsEmitter
from .objects import MemoryObjectStorage, MemoryURLHandler
from .queues import MemoryQueueReceiver, MemoryQueueSender
from .secrets import MemoryHfTokenProvider
from .state import MemoryState, NotificationRoute, Record
from .streams import StreamRoute
from .tables import MemoryTable

__all__ = [
    "MemoryConversionMetricsEmitter",
    "MemoryHfTokenProvider",
    "MemoryLeases",
    "MemoryObjectStorage",
    "MemoryQueueReceiver",
    "MemoryQueueSender",
    "MemoryState",
    "MemoryTable",
    "MemoryURLHandler",
    "NotificationRoute",
    "Record",
    "StreamRoute",
]
