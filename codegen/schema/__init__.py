"""Stage 1, the schema file: what a schema may contain, and reading it.

Takes: a path to a schema file (TOML).
Gives: ``load(path, name) -> SchemaDocument`` (the parsed data and its text);
``spec``, the declaration of every section, key and value a schema may hold
(``Field`` and the name patterns), which ``validate`` checks a section against
(``check_fields``, ``check_value``, ``check_named_tables``,
``check_list_of_tables``); ``Problem`` and ``SchemaError``, how every stage
reports a bad schema with ``file:line: path: message``; and ``SchemaLines``,
which finds the line of a path such as ``tables.jobs.indexes[0].hash_key``.

Imports no other stage.
"""

from . import spec
from .document import SchemaDocument, load
from .errors import Problem, SchemaError
from .locate import SchemaLines
from .spec import ATTRIBUTE_NAME, CLASS_NAME, IDENTIFIER, INDEX_NAME, Field
from .validate import check_fields, check_list_of_tables, check_named_tables, check_value

__all__ = [
    "ATTRIBUTE_NAME",
    "CLASS_NAME",
    "IDENTIFIER",
    "INDEX_NAME",
    "Field",
    "Problem",
    "SchemaDocument",
    "SchemaError",
    "SchemaLines",
    "check_fields",
    "check_list_of_tables",
    "check_named_tables",
    "check_value",
    "load",
    "spec",
]
