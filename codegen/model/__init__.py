"""Stage 2, the model: the typed, frozen description of everything to generate.

Takes: a schema file, through stage 1 (``load_schema(path)`` loads it, checks
it and builds the model; ``build`` does the building from loaded data).
Gives: ``SchemaSpec`` and the nodes it holds (``TableSpec``, ``QueueSpec``,
``BucketSpec``, ``LayoutSpec``, ``ConsumerSpec``, ...), every decision already
made; the access-pattern kinds (``KINDS``, one module each in ``kinds/``, all
subclassing ``AccessPattern``); and the facts about generated code the later
stages share: the names it binds (``names``), the hand-written runtime it may
import (``runtime``), how schema values become Python literals (``literals``).

Imports only stage 1 (``codegen.schema``).
"""

from .binding import Name, snake
from .kinds import KINDS
from .literals import escape_text, python_literal
from .names import queue_parsers, table_models
from .runtime import ENV_CONFIG_FACTORIES, PACKAGE_REEXPORTS, RUNTIME_EXPORTS, check_imports
from .schema_file import DEFAULT_SCHEMA, display_name, load_schema
from .services import SERVICE_KINDS, service_sections
from .types import (
    IN_PROGRESS_MARKER,
    POLICY_PREFIX,
    AccessPattern,
    AttributeSpec,
    BucketSpec,
    ConsumerSpec,
    GeneratorSpec,
    IndexSpec,
    KeySpec,
    LayoutAccess,
    LayoutField,
    LayoutSpec,
    LifecycleSpec,
    NotificationRoute,
    QueueSpec,
    SchemaSpec,
    ServiceResource,
    TableAccess,
    TableSpec,
    TableStream,
    policy_output_name,
)

__all__ = [
    "DEFAULT_SCHEMA",
    "ENV_CONFIG_FACTORIES",
    "IN_PROGRESS_MARKER",
    "KINDS",
    "PACKAGE_REEXPORTS",
    "POLICY_PREFIX",
    "RUNTIME_EXPORTS",
    "SERVICE_KINDS",
    "AccessPattern",
    "AttributeSpec",
    "BucketSpec",
    "ConsumerSpec",
    "GeneratorSpec",
    "IndexSpec",
    "KeySpec",
    "LayoutAccess",
    "LayoutField",
    "LayoutSpec",
    "LifecycleSpec",
    "Name",
    "NotificationRoute",
    "QueueSpec",
    "SchemaSpec",
    "ServiceResource",
    "TableAccess",
    "TableSpec",
    "TableStream",
    "check_imports",
    "display_name",
    "escape_text",
    "load_schema",
    "policy_output_name",
    "python_literal",
    "queue_parsers",
    "service_sections",
    "snake",
    "table_models",
]
