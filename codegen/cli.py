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
from pathlib import Path

from . import model as m
from .build import build
from .docs import LIFECYCLE_BEGIN, LIFECYCLE_END, MissingMarkersError, fill_block, lifecycle_block
from .errors import SchemaError
from .jsonschema import render_json_schema
from .load import load
from .policy_files import render_policies
from .render import render
from .write import WriteError, compare, write

DEFAULT_SCHEMA = Path("schema/stereo_spot.toml")
DEFAULT_OUT = Path("src")
DEFAULT_JSON_SCHEMA = Path("schema/resources.schema.json")
DEFAULT_INFRA = Path("infra")
DEFAULT_README = Path("README.md")  # holds the generated lifecycle diagrams


def display_name(schema_path: Path) -> str:
    """How generated headers name the schema: ``<folder>/<file>``, the same from any cwd."""
    resolved = schema_path.resolve()
    return f"{resolved.parent.name}/{resolved.name}"


def load_schema(schema_path: Path) -> m.SchemaSpec:
    """Stages 1-3: load, validate and build; raises ``SchemaError`` listing every problem."""
    name = display_name(schema_path)
    return build(load(schema_path, name), schema_path, name)


def generate(
    schema_path: Path,
    out_dir: Path,
    json_schema: Path | None = None,
    infra_dir: Path | None = None,
) -> dict[Path, str]:
    """Every generated file for this schema (the JSON Schema and consumer policies, if asked)."""
    schema = load_schema(schema_path)
    files = render(schema, out_dir)
    if json_schema is not None:
        files[json_schema] = render_json_schema()
    if infra_dir is not None:
        files.update(render_policies(schema, infra_dir))
    return files


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["drift"]:
        from .drift import main as drift_main

        return drift_main(args[1:])
    parser = argparse.ArgumentParser(
        prog="python -m codegen",
        description="Generate the typed AWS adapters from the resource schema.",
        epilog="Subcommand: `python -m codegen drift --help` compares the schema with Terraform.",
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
    options = parser.parse_args(args)
    json_schema = options.json_schema
    if json_schema is None and options.schema == DEFAULT_SCHEMA:
        json_schema = DEFAULT_JSON_SCHEMA
    infra_dir = options.infra
    if infra_dir is None and options.schema == DEFAULT_SCHEMA:
        infra_dir = DEFAULT_INFRA
    try:
        schema = load_schema(options.schema)
    except SchemaError as error:
        print(error.render(), file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 2
    if options.out.exists() and not options.out.is_dir():
        print(f"--out {options.out}: not a directory (it names the source root)", file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 2
    files = render(schema, options.out)
    if json_schema is not None:
        files[json_schema] = render_json_schema()
    if options.schema == DEFAULT_SCHEMA and DEFAULT_README.is_file():
        try:
            files[DEFAULT_README] = fill_block(
                DEFAULT_README.read_text(encoding="utf-8"),
                LIFECYCLE_BEGIN,
                LIFECYCLE_END,
                lifecycle_block(schema),
            )
        except MissingMarkersError as error:
            print(f"{DEFAULT_README}: {error}", file=sys.stderr)
            return 2
    # Where stale generated files are looked for: the packages, and the consumer policies.
    roots = [options.out.joinpath(*p.split(".")) for p in schema.generator.output_packages]
    if infra_dir is not None:
        files.update(render_policies(schema, infra_dir))
        roots.append(infra_dir)
    try:
        if options.check:
            return _check(files, roots, schema)
        return _write(files, roots, schema)
    except WriteError as error:
        print(error, file=sys.stderr)
        return 2
    except OSError as error:  # reading what is on disk to compare or to skip unchanged files
        print(f"{error.filename}: cannot read: {error.strerror}", file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 2


def _check(files: dict[Path, str], roots: list[Path], schema: m.SchemaSpec) -> int:
    drift = compare(files, roots, Path.cwd())
    if drift.clean:
        print(f"generated code is up to date ({len(files)} files from {schema.display_name})")
        return 0
    sys.stdout.write(drift.diff)
    print(
        f"\n{len(drift.changed)} generated file(s) differ and {len(drift.stale)} are stale; "
        "run `python -m codegen` and commit the result (never edit generated files by hand)",
        file=sys.stderr,
    )
    return 1


def _write(files: dict[Path, str], roots: list[Path], schema: m.SchemaSpec) -> int:
    written, deleted = write(files, roots)
    for path in written:
        print(f"wrote {path}")
    for path in deleted:
        print(f"deleted {path} (its resource left the schema)")
    print(
        f"{len(files)} files from {schema.display_name}: {len(written)} written, {len(deleted)} deleted"
    )
    return 0
