"""Stage 1, the schema file: what a schema may contain, and reading it.

Takes: a path to a schema file (TOML).
Gives: ``load(path, name) -> SchemaDocument`` (the parsed data and its text);
``parse(data, kind_fields) -> ParsedSchema`` (``parsing.py``), the one pass that turns that data
into typed sections (``sections``: ``Fields``, ``Table``, ``Bucket``,
``Consumer``, ...), each holding what is valid and the problems of its own
shape, checked against ``spec``, the declaration of every section, key and
value a schema may hold (``Field`` and the name patterns); ``Problem`` and
``SchemaError``, how every stage reports a bad schema with
``file:line: path: message``; and ``SchemaLines``, which finds the line of a
path such as ``tables.jobs.indexes[0].hash_key``. The validators themselves
stay inside this stage: later stages never see raw TOML.

Imports no other stage.
"""

from . import sections, spec
from .document import SchemaDocument, load
from .errors import Problem, SchemaError
from .locate import SchemaLines
from .parsing import KindFields, ServiceSection, ServiceSections, consumer_fields, parse
from .sections import ParsedSchema
from .spec import ATTRIBUTE_NAME, CLASS_NAME, IDENTIFIER, INDEX_NAME, Field

__all__ = [
    "ATTRIBUTE_NAME",
    "CLASS_NAME",
    "IDENTIFIER",
    "INDEX_NAME",
    "Field",
    "KindFields",
    "ParsedSchema",
    "Problem",
    "SchemaDocument",
    "SchemaError",
    "SchemaLines",
    "ServiceSection",
    "ServiceSections",
    "consumer_fields",
    "load",
    "parse",
    "sections",
    "spec",
]
