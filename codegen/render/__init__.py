"""Stage 3, rendering: the model as files, and those files on disk.

Takes: a ``SchemaSpec`` (stage 2).
Gives: ``render(schema, out_dir) -> {path: source}``, a pure function (the
Jinja templates in ``templates/``, then ruff in memory); ``write`` and
``diff_with_disk``, which both take that map, so generating and ``--check`` can
never disagree; the JSON Schema of the schema format (``render_json_schema``);
the generated blocks of hand-written documents (``lifecycle_block``,
``fill_block``); ``environment()``, the Jinja setup later stages render with;
and ``generator_version()``, written into every header.

Imports only stages 1-2.
"""

from .disk import WriteError, diff_with_disk, generated_files_on_disk, write
from .docs import LIFECYCLE_BEGIN, LIFECYCLE_END, MissingMarkersError, fill_block, lifecycle_block
from .jsonschema import json_schema, render_json_schema
from .sources import TEMPLATES, environment, render
from .version import generator_version

__all__ = [
    "LIFECYCLE_BEGIN",
    "LIFECYCLE_END",
    "TEMPLATES",
    "MissingMarkersError",
    "WriteError",
    "diff_with_disk",
    "environment",
    "fill_block",
    "generated_files_on_disk",
    "generator_version",
    "json_schema",
    "lifecycle_block",
    "render",
    "render_json_schema",
    "write",
]
