"""Stage 3: render the model into ``{path: source}`` — a pure function of the schema.

Writing and ``--check`` both call ``render``, so they can never disagree.
Rendered text is formatted in memory by the pinned ruff in isolated mode,
so the output does not depend on anyone's local configuration.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from .. import model as m
from ..model import (
    ENV_CONFIG_FACTORIES,
    PACKAGE_REEXPORTS,
    check_imports,
    escape_text,
    python_literal,
    queue_parsers,
    snake,
    table_models,
)
from .version import generator_version

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["snake"] = snake
    env.globals["generator_version"] = generator_version()
    env.filters["py"] = python_literal
    env.filters["literal"] = python_literal  # the same filter under the name the key layouts use
    env.filters["text"] = escape_text
    return env


def render(schema: m.SchemaSpec, out_dir: Path) -> dict[Path, str]:
    """Every generated file for ``schema``, keyed by its path under ``out_dir``.

    Output that imports from a runtime package outside its contract
    (``runtime.py``) is a bug in a template, reported before anything is written.
    """
    files = format_sources(render_unformatted(schema, out_dir), first_party(schema))
    outside = check_imports(schema, files)
    if outside:
        raise RuntimeError("generated code leaves the runtime contract:\n" + "\n".join(outside))
    return files


def render_unformatted(schema: m.SchemaSpec, out_dir: Path) -> dict[Path, str]:
    """The rendered templates before ruff sorts imports and formats them."""
    env = environment()
    package_dir = out_dir.joinpath(*schema.generator.package.split("."))
    files: dict[Path, str] = {}

    def emit(path: Path, template: str, **context: Any) -> None:
        files[path] = env.get_template(template).render(schema=schema, **context)

    for table in schema.tables:
        emit(
            package_dir / "generated" / f"{table.name}.py",
            "table.py.jinja",
            table=table,
            table_models=table_models(table),
            in_progress_marker=m.IN_PROGRESS_MARKER,
            exports=sorted(_table_exports(table)),
        )
    queue_exports = _queue_exports(schema)
    emit(
        package_dir / "generated" / "queues.py",
        "queues.py.jinja",
        payload_models=sorted({q.payload_model for q in schema.queues if q.payload_model}),
        event_imports=(["S3ObjectRef"] if any(q.carries_s3_events for q in schema.queues) else [])
        + (["parse_payload"] if any(q.payload_model for q in schema.queues) else []),
        exports=queue_exports,
    )
    emit(package_dir / "generated" / "resources.py", "resources.py.jinja")
    generated_exports = sorted(
        [t.class_name for t in schema.tables] + queue_exports + ["BUCKETS", "QUEUES", "TABLES"]
    )
    emit(
        package_dir / "generated" / "__init__.py",
        "generated_init.py.jinja",
        queue_exports=queue_exports,
        exports=generated_exports,
    )
    emit(
        package_dir / "env_config.py",
        "env_config.py.jinja",
        variable_names=_variable_names(schema),
        optional_variable_names=_optional_variable_names(schema),
        runtime_factories=ENV_CONFIG_FACTORIES,
        exports=sorted(_env_exports(schema)),
    )
    _emit_package_init(schema, package_dir, generated_exports, emit)
    if schema.generator.shared_package is not None:
        _render_shared(schema, out_dir, emit)
    return files


def _emit_package_init(
    schema: m.SchemaSpec,
    package_dir: Path,
    generated_exports: list[str],
    emit: Callable[..., None],
) -> None:
    """The package ``__init__``: the generated classes and parsers, and the runtime's names."""
    runtime_reexports = _package_reexports(schema)
    exported = [n for n in generated_exports if n not in ("BUCKETS", "QUEUES", "TABLES")]
    emit(
        package_dir / "__init__.py",
        "package_init.py.jinja",
        generated_exports=exported,
        runtime_reexports=runtime_reexports,
        exports=sorted(exported + [name for _, names in runtime_reexports for name in names]),
    )


def first_party(schema: m.SchemaSpec) -> list[str]:
    """Top-level packages ruff's import sorting treats as this project's own."""
    return sorted(
        {
            schema.generator.package.split(".")[0],
            schema.generator.models_module.split(".")[0],
            schema.generator.errors_module.split(".")[0],
            *[p.split(".")[0] for p in schema.generator.output_packages],
            schema.generator.runtime,
            schema.generator.shared_runtime,
        }
    )


@dataclass(frozen=True)
class SharedModule:
    """One module generated into ``<shared_package>/generated/``: cloud-agnostic, no boto3."""

    name: str
    template: str
    exports: tuple[str, ...]
    context: dict[str, Any]


def shared_modules(schema: m.SchemaSpec) -> list[SharedModule]:
    """Every module of the shared package's ``generated/``; its ``__init__`` re-exports them all."""
    layouts = schema.layouts
    fields = [f for layout in layouts for f in layout.fields]
    key_classes = sorted(c for layout in layouts if (c := layout.key_class))
    runtime = {"KeyLayout", "storable_key"} if layouts else {"KeyLayout"}
    runtime |= {"key_text" for f in fields if f.kind == "text"}
    runtime |= {"key_number" for f in fields if f.kind == "number"}
    runtime |= {"key_enum" for f in fields if f.kind == "enum"}
    runtime |= {
        name for layout in layouts if layout.model for name in ("check_model", "model_or_none")
    }
    runtime |= {"object_uri" for layout in layouts if layout.uri_field}
    keys = SharedModule(
        "keys",
        "keys.py.jinja",
        tuple(
            sorted(
                ["LAYOUTS", *key_classes]
                + [
                    name
                    for layout in layouts
                    for name in (layout.constant, layout.builder, layout.parser)
                ]
            )
        ),
        {
            "key_classes": key_classes,
            "model_imports": sorted(
                {layout.model for layout in layouts if layout.model}
                | {enum for layout in layouts for enum in layout.enums}
            ),
            "runtime_imports": sorted(runtime),
        },
    )
    return [keys, _adapters_module(schema), *_memory_modules(schema)]


def _storage_only_context(schema: m.SchemaSpec) -> dict[str, Any]:
    """By model: the storage-only attributes of the tables storing it, which its validation ignores."""
    by_model: dict[str, set[str]] = {}
    for table in schema.tables:
        if table.model is not None and table.storage_only:
            by_model.setdefault(table.model, set()).update(table.storage_only)
    return {"by_model": [(model, sorted(names)) for model, names in sorted(by_model.items())]}


def _adapters_module(schema: m.SchemaSpec) -> SharedModule:
    """The ``Adapters`` bundle and one Protocol per table, which every backend satisfies."""
    patterns = [pattern for table in schema.tables for pattern in table.patterns]
    interfaces = f"{schema.generator.shared_runtime}.interfaces"
    declared: dict[str, set[str]] = {
        interfaces: {"ObjectStorage", "QueueReceiverWithProcessing", "QueueSenderWithAttributes"}
    }
    if any(pattern.uses_page_token for pattern in patterns):
        declared[interfaces].add("PageToken")
    for table in schema.tables:
        if table.declared_protocol:
            module, name = table.declared_protocol
            declared.setdefault(module, set()).add(name)
    return SharedModule(
        "adapters",
        "adapters.py.jinja",
        tuple(sorted(["Adapters", *(table.protocol_name for table in schema.tables)])),
        {
            "abc_imports": sorted({n for p in patterns for n in p.signature_abc_imports}),
            "protocol_imports": [
                (module, sorted(names)) for module, names in sorted(declared.items())
            ],
            "models": sorted({name for table in schema.tables for name in table_models(table)}),
            "uses_leases": any(table.holds_leases for table in schema.tables),
            "uses_fences": any(table.fenced_writes for table in schema.tables),
            "lease_imports": sorted(
                {
                    *(["Fence", "HeldLease"] if any(t.holds_leases for t in schema.tables) else []),
                    *(["FenceSource"] if any(t.fenced_writes for t in schema.tables) else []),
                }
            ),
        },
    )


def _memory_modules(schema: m.SchemaSpec) -> list[SharedModule]:
    """The in-memory backend: one module per table and the builder of its bundle.

    Not re-exported by ``generated/__init__``, so importing the shared types
    does not import the in-memory runtime.
    """
    tables = [
        SharedModule(
            f"memory_{table.name}",
            "memory_table.py.jinja",
            (),
            {
                "table": table,
                "table_models": table_models(table),
                "in_progress_marker": m.IN_PROGRESS_MARKER,
            },
        )
        for table in schema.tables
    ]
    backend_exports = ["BUCKETS", "QUEUES", "ROUTES", "build_adapters"]
    if schema.streams:
        backend_exports.append("STREAMS")
    return [
        *tables,
        SharedModule(
            "memory_backend",
            "memory_backend.py.jinja",
            (),
            {"backend_exports": sorted(backend_exports)},
        ),
    ]


def _render_shared(schema: m.SchemaSpec, out_dir: Path, emit: Callable[..., None]) -> None:
    assert schema.generator.shared_package is not None
    shared = out_dir.joinpath(*schema.generator.shared_package.split("."))
    generated = shared / "generated"
    # Beside the models, not under generated/ (whose modules import the models): the
    # models read it when they validate, so it imports nothing of the package.
    emit(
        shared / "storage_only.py",
        "storage_only.py.jinja",
        exports=["STORAGE_ONLY_ATTRIBUTES", "STORAGE_ONLY_BY_MODEL"],
        **_storage_only_context(schema),
    )
    modules = shared_modules(schema)
    for module in modules:
        emit(
            generated / f"{module.name}.py",
            module.template,
            exports=list(module.exports),
            **module.context,
        )
    emit(
        generated / "__init__.py",
        "shared_init.py.jinja",
        modules=modules,
        exports=sorted(name for module in modules for name in module.exports),
    )


def _table_exports(table: m.TableSpec) -> list[str]:
    names = [table.class_name]
    if table.model:
        names += [
            "KEY_ATTRIBUTES",
            f"{snake(table.model)}_from_item",
            f"{snake(table.model)}_to_item",
        ]
    return names


def _queue_exports(schema: m.SchemaSpec) -> list[str]:
    return sorted(function for function, _, _ in queue_parsers(schema))


def _package_reexports(schema: m.SchemaSpec) -> list[tuple[str, tuple[str, ...]]]:
    """The runtime names the package re-exports: the fixed ones, and each service's adapter."""
    by_module = {module: list(names) for module, names in PACKAGE_REEXPORTS}
    for service in schema.services:
        names = by_module.setdefault(service.adapter_module, [])
        if service.adapter not in names:
            names.append(service.adapter)
    return [(module, tuple(sorted(names))) for module, names in sorted(by_module.items())]


def _variable_names(schema: m.SchemaSpec) -> list[str]:
    return (
        [t.env_var for t in schema.tables if not t.optional]
        + [q.env_var for q in schema.queues if not q.optional]
        + [b.env_var for b in schema.buckets]
        + [s.env_var for s in schema.services if s.required_variable]
    )


def _optional_variable_names(schema: m.SchemaSpec) -> list[str]:
    return (
        [t.env_var for t in schema.tables if t.optional]
        + [q.env_var for q in schema.queues if q.optional]
        + [s.env_var for s in schema.streams]
    )


def _env_exports(schema: m.SchemaSpec) -> list[str]:
    names = [
        "OPTIONAL_VARIABLES",
        "VARIABLES",
        "check_environment",
        "load_terraform_outputs",
        "object_storage_from_env",
    ]
    if schema.generator.shared_package is not None:
        names.append("build_adapters")  # the aws backend: it returns the shared Adapters bundle
    names += _variable_names(schema)
    names += _optional_variable_names(schema)
    names += [t.factory for t in schema.tables]
    names += [s.function for s in schema.streams]
    for queue in schema.queues:
        names += [f"{queue.name}_queue_sender_from_env", f"{queue.name}_queue_receiver_from_env"]
        if queue.optional:
            names += [
                f"{queue.name}_queue_sender_from_env_or_none",
                f"{queue.name}_queue_receiver_from_env_or_none",
            ]
    names += [f"{b.name}_bucket_name" for b in schema.buckets]
    names += [s.env_var for s in schema.services if s.optional_variable]
    names += [s.factory for s in schema.services]
    names += [factory.name for factory in ENV_CONFIG_FACTORIES]
    return names


def format_sources(files: dict[Path, str], first_party: list[str]) -> dict[Path, str]:
    """Sort imports and format every file with the pinned ruff, in isolated mode.

    Isolated mode ignores every configuration file, so the output is the same
    on every machine; the first-party packages are passed explicitly.
    """
    with tempfile.TemporaryDirectory(prefix="codegen-") as tmp:
        staged = {path: Path(tmp) / f"{index}.py" for index, path in enumerate(sorted(files))}
        for path, target in staged.items():
            target.write_text(files[path], encoding="utf-8")
        common = ["--isolated", "--line-length", "100", "--target-version", "py310", "--quiet"]
        isort = f"lint.isort.known-first-party = {first_party!r}"
        for command in (
            ["check", *common, "--select", "I", "--fix", "--config", isort, tmp],
            ["format", *common, tmp],
        ):
            result = subprocess.run(
                [sys.executable, "-m", "ruff", *command],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(
                    "ruff could not format the generated code (a template emits invalid Python):\n"
                    + result.stdout
                    + result.stderr
                )
        return {path: target.read_text(encoding="utf-8") for path, target in staged.items()}
