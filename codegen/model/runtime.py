"""The runtime contract: every name generated code may import from the hand-written packages.

Generated modules call a small hand-written runtime: the AWS backend's
(``[generator] runtime``, default ``stereo_spot_aws_adapters``) and the
cloud-agnostic one (``[generator] shared_runtime``, default
``stereo_spot_shared``). This module lists, per runtime module, exactly the
names generated code may use -- imported by name, or as attributes of a module
imported whole (``from stereo_spot_aws_adapters import _dynamo`` then
``_dynamo.read_item``). ``render`` refuses output that imports anything else
from those packages (``check_imports``), and a test checks that the runtime
still provides every name listed here, so a change on either side that breaks
the other fails at once.

Besides the runtime, generated code imports only the generated packages
themselves, the schema's ``models_module`` and ``errors_module``, the Protocols
tables declare, the standard library, pydantic, botocore and (for type
checking only) the boto3 stubs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import types as m

DEFAULT_RUNTIME = "stereo_spot_aws_adapters"
DEFAULT_SHARED_RUNTIME = "stereo_spot_shared"


@dataclass(frozen=True)
class RuntimeContract:
    """One runtime package: for each of its modules, the names generated code may use."""

    modules: Mapping[str, tuple[str, ...]]  # module (relative to the package) -> names

    def allows(self, module: str, name: str) -> bool:
        return name in self.modules.get(module, ())


AWS_RUNTIME = RuntimeContract(
    {
        "_clients": ("get_client",),
        "_dynamo": (
            "Item",
            "TokenType",
            "batch_put",
            "conditional_write",
            "decode_page_token",
            "default_owner_id",
            "delete_partition",
            "encode_page_token",
            "fenced_update",
            "field_validator",
            "LazyModule",
            "ModelFields",
            "now",
            "one_of",
            "plain_key",
            "query_count",
            "query_page",
            "query_pages",
            "read_item",
            "read_items",
            "refused_item",
            "require_bytes_key",
            "require_int",
            "require_model",
            "require_str_key",
            "scan_pages",
            "fits_uncounted",
            "storable_item",
            "table_resource",
            "to_number",
        ),
        "_env": (
            "EnvVariable",
            "check_variables",
            "env_text",
            "load_terraform_outputs",
            "long_poll_wait_seconds",
            "optional_env",
            "require_env",
            "select_variables",
        ),
        "_events": ("parse_routed_event",),
        "_leases": ("DynamoLeases",),
        "_resources": (
            "BucketResource",
            "IndexResource",
            "KeyAttribute",
            "QueueResource",
            "TableResource",
        ),
        "_retry": ("BatchRetry",),
        "_version": ("__version__",),
        "conversion_metrics": ("CloudWatchConversionMetricsEmitter",),
        "hf_token": ("AwsSecretsManagerHfTokenProvider",),
        "operator_links": ("AWSOperatorLinksProvider", "operator_links_from_env"),
        "s3": ("S3ObjectStorage",),
        "sqs": ("MAX_MESSAGE_BYTES", "SQSQueueReceiver", "SQSQueueSender"),
    }
)

SHARED_RUNTIME = RuntimeContract(
    {
        "_checks": (
            "TokenType",
            "check_page_token",
            "field_validator",
            "require_bytes_key",
            "require_int",
            "require_model",
            "require_str_key",
            "storable_int",
            "storable_record",
        ),
        "_clock": ("ProcessOwner", "default_owner_id"),
        "_lazy": ("lazy_attributes",),
        "_keys": (
            "KeyLayout",
            "check_model",
            "key_enum",
            "key_number",
            "key_text",
            "model_or_none",
            "object_uri",
            "storable_key",
        ),
        "interfaces": (
            "ObjectStorage",
            "PageToken",
            "QueueReceiverWithProcessing",
            "QueueSenderWithAttributes",
        ),
        "leases": (
            "Fence",
            "FenceSource",
            "HeldLease",
            "LeaseAttributes",
            "LeaseTiming",
            "check_lease_seconds",
            "fencing",
        ),
        "memory": (
            "MemoryLeases",
            "MemoryObjectStorage",
            "MemoryQueueReceiver",
            "MemoryQueueSender",
            "MemoryState",
            "MemoryTable",
            "NotificationRoute",
            "StreamRoute",
            "Record",
        ),
        "s3_events": ("S3ObjectRef", "parse_payload"),
    }
)

# What the generated package ``__init__`` re-exports from the AWS runtime, by module.
PACKAGE_REEXPORTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("_retry", ("BatchRetry",)),
    ("operator_links", ("AWSOperatorLinksProvider", "operator_links_from_env")),
    ("s3", ("S3ObjectStorage",)),
    ("sqs", ("MAX_MESSAGE_BYTES", "SQSQueueReceiver", "SQSQueueSender")),
)
RUNTIME_EXPORTS = tuple(sorted(name for _, names in PACKAGE_REEXPORTS for name in names))


@dataclass(frozen=True)
class RuntimeFactory:
    """A factory of the AWS runtime that ``env_config`` offers too, imported when first called.

    For settings of the deployment rather than schema resources (the original's
    ``env_config`` has them); ``returns`` is its return annotation, built from ``result``.
    """

    module: str
    name: str
    result: str
    returns: str
    summary: str


ENV_CONFIG_FACTORIES: tuple[RuntimeFactory, ...] = (
    RuntimeFactory(
        "operator_links",
        "operator_links_from_env",
        "AWSOperatorLinksProvider",
        "AWSOperatorLinksProvider | None",
        "Console links of the deployment ``$NAME_PREFIX`` names; None when it is unset.",
    ),
)


def contracts(generator: m.GeneratorSpec) -> dict[str, RuntimeContract]:
    """The contract of each runtime package the schema's generated code depends on."""
    return {generator.runtime: AWS_RUNTIME, generator.shared_runtime: SHARED_RUNTIME}


def check_imports(schema: m.SchemaSpec, files: Mapping[Path, str]) -> list[str]:
    """Every import of a generated Python module that leaves the runtime contract."""
    runtimes = contracts(schema.generator)
    allowed = _declared_modules(schema)
    problems: list[str] = []
    for path, text in sorted(files.items()):
        if path.suffix != ".py":
            continue
        uses = _runtime_uses(ast.parse(text), runtimes, allowed, schema.generator)
        outside = dict.fromkeys(  # in order of appearance, each once
            f"{path.name}: {module}.{name} is not in the runtime contract"
            for module, name in uses
            if not runtimes[module.partition(".")[0]].allows(module.partition(".")[2], name)
        )
        problems += outside
    return problems


def _declared_modules(schema: m.SchemaSpec) -> set[str]:
    """Modules the schema itself names; imports from them are the schema's, not the runtime's."""
    generator = schema.generator
    modules = {generator.models_module, generator.errors_module}
    modules |= {t.declared_protocol[0] for t in schema.tables if t.declared_protocol}
    return modules


def _is_generated(module: str, generator: m.GeneratorSpec) -> bool:
    """Generated code importing other generated code (its own package's modules)."""
    return any(
        module == f"{package}.{inner}" or module.startswith(f"{package}.{inner}.")
        for package in generator.output_packages
        for inner in ("generated", "env_config")
    )


def _runtime_uses(
    tree: ast.Module,
    runtimes: Mapping[str, RuntimeContract],
    allowed: set[str],
    generator: m.GeneratorSpec,
) -> Iterator[tuple[str, str]]:
    """(runtime module, name) for each name a module takes from a runtime package."""
    whole: dict[str, str] = {}  # local name -> runtime module imported whole
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                # ``import <models_module> as _models``: the schema's module, imported whole.
                if alias.name.split(".")[0] in runtimes and alias.name not in allowed:
                    yield alias.name.rpartition(".")[0], alias.name.rpartition(".")[2]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            package = node.module.split(".")[0]
            if package not in runtimes or node.module in allowed:
                continue
            if _is_generated(node.module, generator):
                continue
            for alias in node.names:
                if node.module == package and alias.name not in runtimes[package].modules:
                    yield node.module, alias.name
                elif node.module == package:
                    whole[alias.asname or alias.name] = f"{package}.{alias.name}"
                else:
                    yield node.module, alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in whole
        ):
            yield whole[node.value.id], node.attr
