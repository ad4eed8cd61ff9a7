"""``python -m codegen``: generate, check, or compare with Terraform.

    python -m codegen                 regenerate every generated file (with the default
                                      schema: also infra/consumer_policies.tf, infra/policies/)
    python -m codegen --check         exit 1 with a unified diff if anything is stale
    python -m codegen drift           compare the schema with infra/ (see drift.py)

Exit codes: 0 fine, 1 generated code (or Terraform) differs, 2 the input is invalid.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import model as m
from .iam import render_policies
from .model import DEFAULT_SCHEMA, load_schema
from .render import (
    LIFECYCLE_BEGIN,
    LIFECYCLE_END,
    MissingMarkersError,
    WriteError,
    diff_with_disk,
    fill_block,
    generator_version,
    lifecycle_block,
    render,
    render_json_schema,
    write,
)
from .schema import SchemaError

DEFAULT_OUT = Path("src")
DEFAULT_JSON_SCHEMA = Path("schema/resources.schema.json")
DEFAULT_INFRA = Path("infra")
DEFAULT_LIFECYCLE_DOC = Path("docs/concepts/lifecycle.md")  # holds the generated diagrams


@dataclass(frozen=True)
class Generation:
    """Every generated file for one schema, and where stale generated files are looked for."""

    schema: m.SchemaSpec
    files: dict[Path, str]
    roots: tuple[Path, ...]


def generate(
    schema_path: Path,
    out_dir: Path,
    json_schema: Path | None = None,
    infra_dir: Path | None = None,
    lifecycle_doc: Path | None = None,
) -> Generation:
    """Render everything for this schema; pure: reads the schema (and ``lifecycle_doc``), writes nothing.

    ``json_schema``, ``infra_dir`` and ``lifecycle_doc`` add the editor JSON Schema, the
    consumer policies and the docs page's generated lifecycle block when given.
    Raises ``SchemaError`` for a bad schema and ``MissingMarkersError`` for a
    ``lifecycle_doc`` without the lifecycle markers.
    """
    schema = load_schema(schema_path)
    files = render(schema, out_dir)
    if json_schema is not None:
        files[json_schema] = render_json_schema()
    if lifecycle_doc is not None:
        files[lifecycle_doc] = fill_block(
            lifecycle_doc.read_text(encoding="utf-8"),
            LIFECYCLE_BEGIN,
            LIFECYCLE_END,
            lifecycle_block(schema),
        )
    roots = [out_dir.joinpath(*p.split(".")) for p in schema.generator.output_packages]
    if infra_dir is not None:
        files.update(render_policies(schema, infra_dir))
        roots.append(infra_dir)
    return Generation(schema, files, tuple(roots))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["drift"]:
        from .terraform import main as drift_main

        return drift_main(args[1:])
    options = _parser().parse_args(args)
    json_schema = options.json_schema
    if json_schema is None and options.schema == DEFAULT_SCHEMA:
        json_schema = DEFAULT_JSON_SCHEMA
    infra_dir = options.infra
    if infra_dir is None and options.schema == DEFAULT_SCHEMA:
        infra_dir = DEFAULT_INFRA
    if options.out.exists() and not options.out.is_dir():
        print(f"--out {options.out}: not a directory (it names the source root)", file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 2
    lifecycle_doc = (
        DEFAULT_LIFECYCLE_DOC
        if options.schema == DEFAULT_SCHEMA and DEFAULT_LIFECYCLE_DOC.is_file()
        else None
    )
    try:
        generation = generate(options.schema, options.out, json_schema, infra_dir, lifecycle_doc)
    except SchemaError as error:
        print(error.render(), file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 2
    except MissingMarkersError as error:
        print(f"{lifecycle_doc}: {error}", file=sys.stderr)
        return 2
    try:
        if options.check:
            return _check(generation)
        return _write(generation)
    except WriteError as error:
        print(error, file=sys.stderr)
        return 2
    except OSError as error:  # reading what is on disk to compare or to skip unchanged files
        print(f"{error.filename}: cannot read: {error.strerror}", file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m codegen",
        description="Generate the typed AWS adapters from the resource schema.",
        epilog="Subcommand: `python -m codegen drift --help` compares the schema with Terraform.",
    )
    parser.add_argument(
        "--version", action="version", version=f"python -m codegen {generator_version()}"
    )
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="schema TOML file")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="source root to write into")
    parser.add_argument(
        "--json-schema",
        type=Path,
        default=None,
        help=f"where the editor JSON Schema goes (default {DEFAULT_JSON_SCHEMA} with the default schema)",
    )
    parser.add_argument(
        "--infra",
        type=Path,
        default=None,
        help=f"where consumer IAM policies go (default {DEFAULT_INFRA}/ with the default schema)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 with a diff if anything is stale",
    )
    return parser


def _check(generation: Generation) -> int:
    files, schema = generation.files, generation.schema
    differences = diff_with_disk(files, generation.roots, Path.cwd())
    if differences.clean:
        print(f"generated code is up to date ({len(files)} files from {schema.display_name})")
        return 0
    sys.stdout.write(differences.diff)
    print(
        f"\n{len(differences.changed)} generated file(s) differ and {len(differences.stale)} are stale; "
        "run `python -m codegen` and commit the result (never edit generated files by hand)",
        file=sys.stderr,
    )
    return 1


def _write(generation: Generation) -> int:
    files, schema = generation.files, generation.schema
    written, deleted = write(files, generation.roots)
    for path in written:
        print(f"wrote {path}")
    for path in deleted:
        print(f"deleted {path} (its resource left the schema)")
    print(
        f"{len(files)} files from {schema.display_name}: {len(written)} written, {len(deleted)} deleted"
    )
    return 0
