"""Every name the generated code binds, by namespace: they must be usable and unique.

The schema names modules, classes, methods, parameters and module globals of
the generated code. ``namespaces`` lists, for each scope of the generated code
(a module, a class, a method body), the names the schema puts there next to the
names the templates always put there; ``check_names`` reports a schema name
that is not a Python identifier, is a keyword, or lands on another name of the
same scope. ``tests/codegen/test_generated_names.py`` parses the generated
code and fails when a template binds or uses a name missing here, so this
catalogue cannot fall behind the templates.
"""

from __future__ import annotations

import keyword
import unicodedata
from dataclasses import dataclass

from ..schema import Problem
from . import types as m
from .binding import Name, snake
from .kinds import KINDS
from .runtime import ENV_CONFIG_FACTORIES, RUNTIME_EXPORTS

# What a package ``__init__`` binds to import its names on first use (``_lazy``).
LAZY_PACKAGE_NAMES = ("TYPE_CHECKING", "lazy_attributes", "_ORIGINS", "__getattr__", "__dir__")
PACKAGE_NAMES = (
    "__all__",
    "__version__",
    "logging",
    "env_config",
    "generated",
    *LAZY_PACKAGE_NAMES,
    *RUNTIME_EXPORTS,
)
GENERATED_PACKAGE_NAMES = (
    "__all__",
    "BUCKETS",
    "QUEUES",
    "TABLES",
    "queues",
    "resources",
    *LAZY_PACKAGE_NAMES,
)
ENV_CONFIG_NAMES = (
    "annotations",
    "__all__",
    "TYPE_CHECKING",
    "Iterable",
    "EnvVariable",
    "check_variables",
    "env_text",
    "load_terraform_outputs",
    "long_poll_wait_seconds",
    "optional_env",
    "require_env",
    "select_variables",
    *(factory.name for factory in ENV_CONFIG_FACTORIES),
    *(factory.result for factory in ENV_CONFIG_FACTORIES),
    "S3ObjectStorage",
    "SQSQueueReceiver",
    "SQSQueueSender",
    "OPTIONAL_VARIABLES",
    "VARIABLES",
    "check_environment",
    "object_storage_from_env",
)
QUEUES_MODULE_NAMES = (
    "annotations",
    "__all__",
    "Collection",
    "EnvVariable",
    "S3ObjectRef",
    "parse_routed_event",
    "parse_s3_event",
    "parse_payload",
)
TABLE_MODULE_NAMES = (
    "annotations",
    "__all__",
    "TYPE_CHECKING",
    "Callable",
    "Mapping",
    "Sequence",
    "ClientError",
    "_dynamo",
    "get_client",
    "BatchRetry",
    "PageToken",
    "DynamoDBClient",
    "QueryInputTypeDef",
    "Item",
    "_models",
    "KEY_ATTRIBUTES",
    "_BOUNDED_ITEM_BYTES",
    "HeldLease",
    "DynamoLeases",
    "ProcessOwner",
    "Fence",
    "FenceSource",
    "LeaseAttributes",
    "LeaseTiming",
    "check_lease_seconds",
    "_LIFECYCLE_SOURCES",
    "_LIFECYCLE_FINAL",
    "IN_PROGRESS_MARKER",
    "frozenset",
)
TABLE_CLASS_NAMES = (
    "__init__",
    "__repr__",
    "table_name",
    "_client",
    "_aws",
    "batch_retry",
    "clock",
    "owner_id",
    "_owner",
    "lease_timing",
    "_leases",
    *(method for kind in KINDS.values() for method in kind.private_methods),
)
# Locals and builtins each generated method body uses, besides its schema-derived
# parameters and the module's globals: each pattern kind's, and the functions'.
METHOD_NAMES: dict[str, tuple[str, ...]] = {
    **{name: kind.method_locals for name, kind in KINDS.items()},
    "to_item": ("item", "str"),
    # Key layouts (generated/keys.py of the shared package): the fields are parameters of
    # the formatter and builder, and locals of the parser.
    "layout_formatter": ("str", "int"),
    "layout_builder": ("str", "int", "key"),
    "layout_parser": ("str", "int", "bucket", "key", "found"),
}
SHARED_GENERATED_NAMES = ("__all__", "keys", "LAYOUTS", *LAZY_PACKAGE_NAMES)
# Each table's storage-only attributes (storage_only.py of the shared package).
STORAGE_ONLY_MODULE_NAMES = (
    "annotations",
    "__all__",
    "Mapping",
    "STORAGE_ONLY_ATTRIBUTES",
    "STORAGE_ONLY_BY_MODEL",
)
KEYS_MODULE_NAMES = (
    "annotations",
    "__all__",
    "re",
    "NamedTuple",
    "KeyLayout",
    "storable_key",
    "key_text",
    "key_number",
    "key_enum",
    "check_model",
    "model_or_none",
    "object_uri",
    "LAYOUTS",
)
# The adapter bundle (generated/adapters.py of the shared package) and the in-memory
# backend (generated/memory_<table>.py, generated/memory_backend.py).
ADAPTERS_MODULE_NAMES = (
    "annotations",
    "__all__",
    "Mapping",
    "Sequence",
    "dataclass",
    "Protocol",
    "ObjectStorage",
    "PageToken",
    "QueueReceiverWithProcessing",
    "QueueSenderWithAttributes",
    "Adapters",
    "TYPE_CHECKING",
    "HeldLease",
    "Fence",
    "FenceSource",
)
ADAPTERS_FIELDS = ("backend", "objects")
MEMORY_TABLE_MODULE_NAMES = (
    "annotations",
    "__all__",
    "Callable",
    "Mapping",
    "Sequence",
    "_checks",
    "default_owner_id",
    "PageToken",
    "MemoryState",
    "MemoryTable",
    "Record",
    "KEY_ATTRIBUTES",
    "_to_record",
    "_from_record",
    "_STARTED",
    "_OWNER",
    "_EXPIRES",
    "_TOKEN",
    "HeldLease",
    "ProcessOwner",
    "Fence",
    "FenceSource",
    "fencing",
    "LeaseAttributes",
    "LeaseTiming",
    "check_lease_seconds",
    "MemoryLeases",
    "InvalidTransitionError",
    "_LIFECYCLE_SOURCES",
    "_LIFECYCLE_FINAL",
    "IN_PROGRESS_MARKER",
)
MEMORY_CLASS_NAMES = (
    "__init__",
    "__repr__",
    "state",
    "table_name",
    "_table",
    "clock",
    "owner_id",
    "_owner",
    "lease_timing",
    "_leases",
)
MEMORY_BACKEND_NAMES = (
    "annotations",
    "__all__",
    "time",
    "Callable",
    "MemoryObjectStorage",
    "MemoryQueueReceiver",
    "MemoryQueueSender",
    "MemoryState",
    "NotificationRoute",
    "StreamRoute",
    "Adapters",
    "QUEUES",
    "BUCKETS",
    "ROUTES",
    "STREAMS",
    "build_adapters",
)
SHARED_MODULES = ("keys", "adapters", "memory_backend")
# Locals and builtins each in-memory method body uses (keys as in METHOD_NAMES).
MEMORY_METHOD_NAMES: dict[str, tuple[str, ...]] = {
    **{name: kind.memory_method_locals for name, kind in KINDS.items()},
    "to_item": ("record",),
}

# Attributes every NamedTuple has: a key class field must not hide them.
KEY_CLASS_NAMES = ("count", "index", "_make", "_asdict", "_replace", "_fields", "_field_defaults")


@dataclass(frozen=True)
class Namespace:
    where: str  # "library_adapters.env_config", "class BookCatalog", "BookCatalog.get()"
    names: tuple[Name, ...]


@dataclass(frozen=True)
class Method:
    """A generated function whose parameters come from the schema."""

    function: str  # "get", "renew", "book_to_item"
    owner: str | None  # the class it is a method of; None for a module function
    kind: str  # key of METHOD_NAMES
    parameters: tuple[Name, ...]


def _always(names: tuple[str, ...], what: str) -> list[Name]:
    return [Name(name, what, origin=f"{what}:{name}") for name in names]


def table_globals(schema: m.SchemaSpec, table: m.TableSpec) -> list[Name]:
    """Module-level names of ``generated/<table>.py``."""
    path = table.schema_path
    names = _always(TABLE_MODULE_NAMES, "a name every table module defines")
    models = schema.generator.models_module
    for pattern in table.patterns:
        names += pattern.error_globals(table, schema.generator)
    names.append(Name(table.class_name, "class_name", f"{path}.class_name"))
    if table.model:
        names.append(Name(table.model, "model", f"{path}.model", f"{models}.{table.model}"))
        for suffix in ("_to_item", "_from_item"):
            names.append(
                Name(
                    snake(table.model) + suffix,
                    f"function named after model {table.model}",
                    f"{path}.model",
                )
            )
    for i, pattern in enumerate(table.patterns):
        names += pattern.module_globals(table, f"{path}.access_patterns[{i}]", schema.generator)
    return names


def table_methods(table: m.TableSpec) -> list[Method]:
    """Every generated function of a table module that takes schema-named parameters."""
    path = table.schema_path
    keys = tuple(Name(a.name, "key attribute", a.schema_path) for a in table.key_attributes)
    model_parameter = (
        (Name(snake(table.model), f"parameter named after model {table.model}", f"{path}.model"),)
        if table.model
        else ()
    )
    methods = []
    if table.model:
        methods.append(Method(snake(table.model) + "_to_item", None, "to_item", model_parameter))
    for pattern in table.patterns:
        parameters = pattern.parameters(table, keys, model_parameter)
        methods.append(Method(pattern.name, table.class_name, pattern.kind, parameters))
        extras = (*pattern.extra_methods, *pattern.private_methods)
        methods += [Method(name, table.class_name, pattern.kind, keys) for name in extras]
    return methods


def layout_globals(schema: m.SchemaSpec) -> list[Name]:
    """Module-level names of the shared package's ``generated/keys.py``."""
    models = schema.generator.models_module
    names = _always(KEYS_MODULE_NAMES, "a name the keys module always defines")
    for layout in schema.layouts:
        path = layout.schema_path
        generated = [layout.constant, layout.formatter, layout.builder, layout.parser]
        names += [Name(n, f"function or constant of layout {layout.name}", path) for n in generated]
        if layout.key_class:
            names.append(Name(layout.key_class, f"key class of layout {layout.name}", path))
        imports = ([layout.model] if layout.model else []) + list(layout.enums)
        names += [Name(n, "model or enum", path, f"{models}.{n}") for n in imports]
    return names


def layout_methods(layout: m.LayoutSpec) -> list[Method]:
    fields = tuple(
        Name(f.name, "layout field", f"{layout.schema_path}.template") for f in layout.fields
    )
    return [
        Method(layout.formatter, None, "layout_formatter", fields),
        Method(layout.builder, None, "layout_builder", fields),
        Method(layout.parser, None, "layout_parser", fields),
    ]


def _layout_namespaces(schema: m.SchemaSpec) -> list[Namespace]:
    shared = schema.generator.shared_package
    if shared is None:
        return []
    module_globals = layout_globals(schema)
    exported = [n for n in module_globals if n.path and not n.origin and not n.name.startswith("_")]
    bundle = adapters_globals(schema)
    bundle_exports = [n for n in bundle if n.path and not n.origin] + [
        Name("Adapters", "the adapter bundle", origin="Adapters")
    ]
    modules = _always(SHARED_MODULES, f"a module of {shared}.generated") + [
        Name(f"memory_{t.name}", "in-memory module of the table", t.schema_path)
        for t in schema.tables
    ]
    found = [
        Namespace(
            f"{shared}.generated",
            tuple(_always(SHARED_GENERATED_NAMES, f"a name {shared}.generated always defines"))
            + tuple(exported)
            + tuple(bundle_exports)
            + tuple(modules),
        ),
        *_bundle_namespaces(schema),
        Namespace(
            f"{shared}.storage_only",
            tuple(_always(STORAGE_ONLY_MODULE_NAMES, "a name the storage_only module defines")),
        ),
    ]
    if not schema.layouts:
        return found
    found.append(Namespace(f"{shared}.generated.keys", tuple(module_globals)))
    for layout in schema.layouts:
        for method in layout_methods(layout):
            local = _always(METHOD_NAMES[method.kind], "a name the generated function uses")
            found.append(
                Namespace(f"{method.function}()", (*method.parameters, *local, *module_globals))
            )
        if layout.key_class:
            fields = layout_methods(layout)[0].parameters
            reserved = _always(KEY_CLASS_NAMES, "an attribute every NamedTuple has")
            found.append(Namespace(f"class {layout.key_class}", (*fields, *reserved)))
    return found


def adapters_globals(schema: m.SchemaSpec) -> list[Name]:
    """Module-level names of the shared package's ``generated/adapters.py``."""
    models = schema.generator.models_module
    names = _always(ADAPTERS_MODULE_NAMES, "a name the adapters module always defines")
    for table in schema.tables:
        names.append(Name(table.protocol_name, "Protocol of the table", table.schema_path))
        if table.declared_protocol:
            module, cls = table.declared_protocol
            names.append(Name(cls, "protocol", f"{table.schema_path}.protocol", f"{module}.{cls}"))
        for model in table_models(table):
            names.append(Name(model, "model or enum", table.schema_path, f"{models}.{model}"))
    return names


def bundle_fields(schema: m.SchemaSpec) -> list[Name]:
    """The fields of the generated ``Adapters`` bundle."""
    names = _always(ADAPTERS_FIELDS, "a field every Adapters bundle has")
    names += [Name(t.name, "table (a bundle field)", t.schema_path) for t in schema.tables]
    for queue in schema.queues:
        names.append(Name(queue.sender_field, "sender field of the queue", queue.schema_path))
        names.append(Name(queue.receiver_field, "receiver field of the queue", queue.schema_path))
    names += [Name(b.bundle_field, "bucket name field", b.schema_path) for b in schema.buckets]
    names += [Name(s.bundle_field, "stream ARN field", s.schema_path) for s in schema.streams]
    return names


def memory_table_globals(schema: m.SchemaSpec, table: m.TableSpec) -> list[Name]:
    """Module-level names of ``generated/memory_<table>.py``: the AWS module's, less its runtime."""
    aws_only = {"TYPE_CHECKING", "ClientError", "_dynamo", "BatchRetry"}
    aws_only |= {"get_client"}
    aws_only |= {"DynamoDBClient", "QueryInputTypeDef", "Item", table.class_name}
    if table.model:
        aws_only |= {snake(table.model) + "_to_item", snake(table.model) + "_from_item"}
    names = [n for n in table_globals(schema, table) if n.name not in aws_only and n.path]
    names += _always(MEMORY_TABLE_MODULE_NAMES, "a name every in-memory table module defines")
    names.append(Name(table.memory_class_name, "in-memory class of the table", table.schema_path))
    return names


def _bundle_namespaces(schema: m.SchemaSpec) -> list[Namespace]:
    shared = schema.generator.shared_package
    found = [
        Namespace(f"{shared}.generated.adapters", tuple(adapters_globals(schema))),
        Namespace("class Adapters", tuple(bundle_fields(schema))),
        Namespace(
            f"{shared}.generated.memory_backend",
            tuple(
                _always(MEMORY_BACKEND_NAMES, "a name the memory backend module always defines")
                + [
                    Name(t.memory_class_name, "in-memory class of the table", t.schema_path)
                    for t in schema.tables
                ]
            ),
        ),
    ]
    for table in schema.tables:
        module_globals = memory_table_globals(schema, table)
        found.append(Namespace(f"{shared}.generated.memory_{table.name}", tuple(module_globals)))
        members = _always(MEMORY_CLASS_NAMES, "a member every in-memory class has")
        members += _pattern_members(table)
        found.append(Namespace(f"class {table.memory_class_name}", tuple(members)))
        found.append(
            Namespace(f"class {table.protocol_name}", tuple(members[len(MEMORY_CLASS_NAMES) :]))
        )
        private = {name for pattern in table.patterns for name in pattern.private_methods}
        for method in table_methods(table):
            if method.function in private:
                continue  # only the DynamoDB class has it
            function = "_to_record" if method.kind == "to_item" else method.function
            owner = None if method.owner is None else table.memory_class_name
            local = _always(MEMORY_METHOD_NAMES[method.kind], "a name the in-memory method uses")
            scope = f"{owner}.{function}()" if owner else f"{function}()"
            found.append(Namespace(scope, (*method.parameters, *local, *module_globals)))
    return found


def table_models(table: m.TableSpec) -> list[str]:
    """Model classes a table's modules name: its models, and enums in update signatures."""
    names = {table.model} if table.model else set()
    for pattern in table.patterns:
        names |= pattern.models()
    return sorted(names)


def namespaces(schema: m.SchemaSpec) -> list[Namespace]:
    """Every scope of the generated code with the names in it."""
    package = schema.generator.package
    classes = [
        Name(t.class_name, "class_name", f"{t.schema_path}.class_name") for t in schema.tables
    ]
    parsers = [Name(*parser) for parser in queue_parsers(schema)]
    found = [
        Namespace(
            f"{package}.generated",
            tuple(
                _always(GENERATED_PACKAGE_NAMES, f"a name {package}.generated always defines")
                + [Name(t.name, "table (a module name)", t.schema_path) for t in schema.tables]
                + classes
                + parsers
            ),
        ),
        Namespace(
            package,
            tuple(
                _always(PACKAGE_NAMES, f"a name {package} always defines")
                + classes
                + parsers
                + _service_adapters(schema)
            ),
        ),
        Namespace(f"{package}.env_config", tuple(_env_config_globals(schema, classes))),
        Namespace(f"{package}.generated.queues", tuple(_queue_module_globals(schema, parsers))),
    ]
    for table in schema.tables:
        found += _table_namespaces(schema, table)
    return found + _layout_namespaces(schema)


def _service_adapters(schema: m.SchemaSpec) -> list[Name]:
    """The runtime class each service's factory builds, once each (the package re-exports it)."""
    adapters: dict[str, Name] = {}
    for service in schema.services:
        adapters.setdefault(
            service.adapter,
            Name(service.adapter, "adapter class", f"{service.schema_path}.adapter"),
        )
    return list(adapters.values())


def _env_config_globals(schema: m.SchemaSpec, classes: list[Name]) -> list[Name]:
    """Module globals of ``env_config``: fixed names, classes, env vars and factories."""
    env_globals = _always(ENV_CONFIG_NAMES, "a name env_config always defines") + classes
    if schema.generator.shared_package is not None:
        env_globals += _always(("Adapters", "build_adapters"), "the aws backend's bundle builder")
    resources: list[m.TableSpec | m.QueueSpec | m.BucketSpec] = [
        *schema.tables,
        *schema.queues,
        *schema.buckets,
    ]
    for resource in resources:
        env_globals.append(Name(resource.env_var, "env var", f"{resource.schema_path}.env_var"))
    env_globals += [Name(t.factory, "factory", f"{t.schema_path}.factory") for t in schema.tables]
    for stream in schema.streams:
        env_globals.append(Name(stream.env_var, "stream ARN env var", stream.schema_path))
        env_globals.append(Name(stream.function, "stream ARN function", stream.schema_path))
    for queue in schema.queues:
        for role in ("sender", "receiver"):
            env_globals.append(
                Name(
                    f"{queue.name}_queue_{role}_from_env",
                    f"{role} factory of the queue",
                    queue.schema_path,
                )
            )
            if queue.optional:
                env_globals.append(
                    Name(
                        f"{queue.name}_queue_{role}_from_env_or_none",
                        f"{role} factory of the optional queue",
                        queue.schema_path,
                    )
                )
    env_globals += [
        Name(f"{b.name}_bucket_name", "function of the bucket", b.schema_path)
        for b in schema.buckets
    ]
    adapters: dict[str, Name] = {}  # one import each, however many resources build it
    for service in schema.services:
        env_globals.append(
            Name(
                service.factory, f"factory of the {service.noun}", f"{service.schema_path}.factory"
            )
        )
        adapters.setdefault(
            service.adapter,
            Name(service.adapter, "adapter class", f"{service.schema_path}.adapter"),
        )
        if service.terraform_output is not None:
            env_globals.append(Name(service.env_var, "env var", f"{service.schema_path}.env_var"))
    return env_globals + _service_adapters(schema)


def _queue_module_globals(schema: m.SchemaSpec, parsers: list[Name]) -> list[Name]:
    """Module globals of ``generated/queues.py``: parsers, payload models, bucket routes."""
    models = schema.generator.models_module
    queue_globals = (
        _always(QUEUES_MODULE_NAMES, "a name the queues module always defines") + parsers
    )
    queue_globals += [
        Name(
            q.payload_model,
            "payload_model",
            f"{q.schema_path}.payload_model",
            f"{models}.{q.payload_model}",
        )
        for q in schema.queues
        if q.payload_model
    ]
    queue_globals += [
        Name(f"_{q.name.upper()}_BUCKETS", "buckets routed to the queue", q.schema_path)
        for q in schema.queues
        if q.carries_s3_events
    ]
    return queue_globals


def _pattern_members(table: m.TableSpec) -> list[Name]:
    """The members a table's access patterns add to its class (either backend's)."""
    members = []
    for i, pattern in enumerate(table.patterns):
        pattern_path = f"{table.schema_path}.access_patterns[{i}]"
        members.append(Name(pattern.name, "access pattern", f"{pattern_path}.name"))
        members += [
            Name(name, f"method every {pattern.kind} adds ({pattern.name})", f"{pattern_path}.kind")
            for name in pattern.extra_methods
        ]
    return members


def _table_namespaces(schema: m.SchemaSpec, table: m.TableSpec) -> list[Namespace]:
    """A table's module, its adapter class and every generated method's local scope."""
    package = schema.generator.package
    module_globals = table_globals(schema, table)
    found = [Namespace(f"{package}.generated.{table.name}", tuple(module_globals))]
    members = _always(TABLE_CLASS_NAMES, "a member every adapter class has")
    members += _pattern_members(table)
    found.append(Namespace(f"class {table.class_name}", tuple(members)))
    for method in table_methods(table):
        local = _always(METHOD_NAMES[method.kind], "a name the generated method uses")
        scope = f"{method.owner}.{method.function}()" if method.owner else f"{method.function}()"
        found.append(Namespace(scope, (*method.parameters, *local, *module_globals)))
    return found


def queue_parsers(schema: m.SchemaSpec) -> list[tuple[str, str, str]]:
    """(function, what, schema path) of every parser ``generated/queues.py`` defines."""
    parsers = []
    for queue in schema.queues:
        if queue.carries_s3_events:
            parsers.append(
                (f"parse_{queue.name}_event", "event parser of the queue", queue.schema_path)
            )
        elif queue.payload_model:
            parsers.append(
                (f"parse_{queue.name}_payload", "payload parser of the queue", queue.schema_path)
            )
    return parsers


def check_names(schema: m.SchemaSpec) -> list[Problem]:
    """One problem per schema name that the generated code could not use as written."""
    problems: list[Problem] = []
    reported: set[tuple[str, str]] = set()

    def report(name: Name, message: str) -> None:
        if (name.path, name.name) not in reported:
            reported.add((name.path, name.name))
            problems.append(Problem(name.path, message))

    for prefix, dotted in (
        ("generator.package", schema.generator.package),
        ("generator.models_module", schema.generator.models_module),
        ("generator.errors_module", schema.generator.errors_module),
    ):
        for part in dotted.split("."):
            if keyword.iskeyword(part):
                report(Name(dotted, "", prefix), f"{part!r} in {dotted!r} is a Python keyword")
    for namespace in namespaces(schema):
        first: dict[str, Name] = {}
        for name in namespace.names:
            if name.path and not name.name.isidentifier():
                report(
                    name,
                    f"{name.what} {name.name!r} is not a Python identifier ({namespace.where})",
                )
                continue
            if name.path and keyword.iskeyword(name.name):
                report(name, f"{name.what} {name.name!r} is a Python keyword ({namespace.where})")
                continue
            # Python folds identifiers to NFKC: two spellings can be one name.
            key = unicodedata.normalize("NFKC", name.name)
            other = first.setdefault(key, name)
            if other.binding == name.binding:
                continue
            if name.path:
                report(
                    name,
                    f"{name.what} {name.name!r} collides with {other.describe()} in {namespace.where}",
                )
            elif other.path:
                report(
                    other,
                    f"{other.what} {other.name!r} collides with {name.describe()} in {namespace.where}",
                )
    return problems
