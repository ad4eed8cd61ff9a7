"""Evaluate the Terraform expressions the drift check compares, or say exactly why not.

python-hcl2 returns every expression as its source text (``"${var.a * 20}"``).
``Evaluator.value`` turns such a value into a Python value the way ``terraform
plan`` would without a provider: variables (defaults, ``*.tfvars``,
``--var-file``), locals, arithmetic, comparison, conditionals, string templates,
object and tuple literals, ``jsonencode`` and a few pure functions, and
references to other resources' arguments. An attribute only the provider knows
(an ``arn``, an ``id``) stays a ``Ref``: its address, which is what the schema
names too.

Everything else raises ``UnverifiableError`` with a kind (``--allow-unverifiable
KIND``) and the reason: the drift check reports it as a finding instead of
guessing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, TypeAlias

UnverifiableKind = Literal["variable", "function", "expression", "computed", "dynamic", "policy"]
UNVERIFIABLE_KINDS: tuple[UnverifiableKind, ...] = (
    "variable",
    "function",
    "expression",
    "computed",
    "dynamic",
    "policy",
)
"""What ``--allow-unverifiable`` accepts; docs/guides/drift.md explains each."""


class UnverifiableError(Exception):
    """An expression drift cannot evaluate without running Terraform."""

    def __init__(self, kind: UnverifiableKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: UnverifiableKind = kind
        self.reason = reason


@dataclass(frozen=True)
class Ref:
    """An attribute known only after apply, by its address: ``aws_sqs_queue.chunking.arn``."""

    text: str


Value: TypeAlias = bool | int | Fraction | str | Ref | list["Value"] | dict[str, "Value"] | None


@dataclass(frozen=True)
class FromEnvironment:
    """A variable set by a ``TF_VAR_<name>`` environment variable, which drift does not read."""

    name: str


@dataclass(frozen=True)
class JsonValue:
    """A value that is already a value (from a ``*.tfvars.json`` file), not HCL source."""

    value: object


def canonical(value: Value) -> str:
    """How a scalar shows in findings and compares with the schema: ``900``, ``true``, ``S``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else str(float(value))
    if isinstance(value, Ref):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))
    return str(value)


def _plain(value: Value) -> object:
    if isinstance(value, Ref):
        return "${" + value.text + "}"
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def from_python(value: object) -> Value:
    """A value from JSON (tfvars.json) or a non-string python-hcl2 literal."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value).limit_denominator(10**12)
    if isinstance(value, list):
        return [from_python(v) for v in value]
    if isinstance(value, dict):
        return {str(k): from_python(v) for k, v in value.items()}
    raise UnverifiableError("expression", f"unexpected value {value!r}")


Resolver = Callable[[str, str, str], "Value | None"]
"""(resource type, resource name, attribute) -> the value of that resource's argument, or None."""

# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][\w-]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|[-+*/%<>!?:.,()\[\]{}=])
    """,
    re.VERBOSE,
)


@dataclass
class _Tokens:
    text: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    at: int = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.at + offset
        return self.items[index] if index < len(self.items) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        if self.peek() == ("op", text):
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise UnverifiableError("expression", f"cannot read {self.text!r} (expected {text!r})")


def _string_end(text: str, start: int) -> int:
    """Index just past the closing quote of the string opening at ``start``."""
    i, depth = start + 1, 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if depth == 0 and char == '"':
            return i + 1
        if text.startswith("${", i) or text.startswith("%{", i):
            depth += 1
            i += 2
            continue
        if depth and char == '"':
            i = _string_end(text, i)
            continue
        if depth and char == "}":
            depth -= 1
        elif depth and char == "{":
            depth += 1
        i += 1
    raise UnverifiableError("expression", f"unterminated string in {text!r}")


def _tokenize(text: str) -> _Tokens:
    tokens = _Tokens(text)
    i = 0
    while i < len(text):
        if text[i] == '"':
            end = _string_end(text, i)
            tokens.items.append(("string", text[i + 1 : end - 1]))
            i = end
            continue
        found = _TOKEN.match(text, i)
        if found is None:
            raise UnverifiableError("expression", f"cannot read {text!r} at {text[i:]!r}")
        kind = found.lastgroup or ""
        if kind != "space":
            tokens.items.append((kind, found.group()))
        i = found.end()
    return tokens


# --------------------------------------------------------------------------- parser

Scope = Mapping[str, "Value"]
Node = Callable[["Evaluator", Scope], "Value"]

_BINARY: list[tuple[str, ...]] = [
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<", ">", "<=", ">="),
    ("+", "-"),
    ("*", "/", "%"),
]


def _parse(text: str) -> Node:
    tokens = _tokenize(text)
    node = _expression(tokens)
    if tokens.peek()[0] != "end":
        raise UnverifiableError("expression", f"cannot read {text!r} (at {tokens.peek()[1]!r})")
    return node


def _expression(tokens: _Tokens) -> Node:
    condition = _binary(tokens, 0)
    if not tokens.accept("?"):
        return condition
    yes = _expression(tokens)
    tokens.expect(":")
    no = _expression(tokens)

    def conditional(ev: Evaluator, scope: Scope) -> Value:
        test = condition(ev, scope)
        if not isinstance(test, bool):
            raise UnverifiableError("expression", f"a condition is {canonical(test)}, not a bool")
        return yes(ev, scope) if test else no(ev, scope)

    return conditional


def _binary(tokens: _Tokens, level: int) -> Node:
    if level == len(_BINARY):
        return _unary(tokens)
    left = _binary(tokens, level + 1)
    while tokens.peek()[0] == "op" and tokens.peek()[1] in _BINARY[level]:
        operator = tokens.take()[1]
        right = _binary(tokens, level + 1)
        left = _operation(operator, left, right)
    return left


def _operation(operator: str, left: Node, right: Node) -> Node:
    def run(ev: Evaluator, scope: Scope) -> Value:
        a = left(ev, scope)
        if operator == "||" and a is True:
            return True
        if operator == "&&" and a is False:
            return False
        b = right(ev, scope)
        return _apply(operator, a, b)

    return run


def _number(value: Value) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        try:
            return Fraction(value)
        except ValueError:
            pass
    if isinstance(value, Ref):
        raise UnverifiableError("computed", f"{value.text} is known only after apply")
    raise UnverifiableError("expression", f"{canonical(value)} is not a number")


def _apply(operator: str, a: Value, b: Value) -> Value:
    if operator in ("==", "!="):
        if isinstance(a, Ref) or isinstance(b, Ref):
            raise UnverifiableError("computed", "a comparison with a value known only after apply")
        return (a == b) == (operator == "==")
    if operator in ("&&", "||"):
        if not isinstance(a, bool) or not isinstance(b, bool):
            raise UnverifiableError("expression", f"{operator} of non-bools")
        return (a and b) if operator == "&&" else (a or b)
    x, y = _number(a), _number(b)
    if operator in ("<", ">", "<=", ">="):
        return {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[operator]
    if operator in ("/", "%") and y == 0:
        raise UnverifiableError("expression", "division by zero")
    if operator == "+":
        return x + y
    if operator == "-":
        return x - y
    if operator == "*":
        return x * y
    if operator == "/":
        return x / y
    return x - y * math.trunc(x / y)


def _unary(tokens: _Tokens) -> Node:
    if tokens.accept("-"):
        inner = _unary(tokens)
        return lambda ev, scope: -_number(inner(ev, scope))
    if tokens.accept("!"):
        inner = _unary(tokens)

        def negation(ev: Evaluator, scope: Scope) -> Value:
            value = inner(ev, scope)
            if not isinstance(value, bool):
                raise UnverifiableError("expression", f"!{canonical(value)}")
            return not value

        return negation
    return _postfix(tokens)


def _postfix(tokens: _Tokens) -> Node:
    node = _primary(tokens)
    while True:
        if tokens.peek() == ("op", ".") and tokens.peek(1)[0] in ("name", "number"):
            tokens.take()
            node = _attribute(node, tokens.take()[1])
        elif tokens.peek() == ("op", "[") and tokens.peek(1) != ("op", "*"):
            tokens.take()
            index = _expression(tokens)
            tokens.expect("]")
            node = _index(node, index)
        elif tokens.peek() in (("op", "["), ("op", ".")) and "*" in tokens.peek(1)[1]:
            raise UnverifiableError("expression", "a splat expression ([*] or .*)")
        else:
            return node


def _attribute(node: Node, name: str) -> Node:
    def run(ev: Evaluator, scope: Scope) -> Value:
        return _step(node(ev, scope), name)

    return run


def _index(node: Node, index: Node) -> Node:
    def run(ev: Evaluator, scope: Scope) -> Value:
        key = index(ev, scope)
        return _step(node(ev, scope), key)

    return run


def _step(value: Value, key: Value) -> Value:
    if isinstance(value, Ref):
        shown = f".{key}" if isinstance(key, str) else f"[{canonical(key)}]"
        return Ref(value.text + shown)
    if isinstance(value, dict) and isinstance(key, str) and key in value:
        return value[key]
    if (
        isinstance(value, list)
        and isinstance(key, Fraction)
        and key.denominator == 1
        and 0 <= int(key) < len(value)
    ):
        return value[int(key)]
    raise UnverifiableError("expression", f"{canonical(value)} has no element {canonical(key)}")


def _primary(tokens: _Tokens) -> Node:
    kind, text = tokens.take()
    if kind == "number":
        number = Fraction(text)
        return lambda ev, scope: number
    if kind == "string":
        template = _template(text)
        return template
    if kind == "name":
        if text in ("true", "false"):
            flag = text == "true"
            return lambda ev, scope: flag
        if text == "null":
            return lambda ev, scope: None
        if tokens.peek() == ("op", "("):
            return _call(text, tokens)
        return _traversal(text, tokens)
    if (kind, text) == ("op", "("):
        inner = _expression(tokens)
        tokens.expect(")")
        return inner
    if (kind, text) == ("op", "["):
        return _tuple(tokens)
    if (kind, text) == ("op", "{"):
        return _object(tokens)
    raise UnverifiableError("expression", f"cannot read {tokens.text!r} at {text!r}")


def _skip_to(tokens: _Tokens, closing: str) -> None:
    """Past the bracket that closes the one just opened."""
    depth = 0
    while tokens.peek()[0] != "end":
        kind, text = tokens.take()
        if kind == "op" and text in "([{":
            depth += 1
        elif kind == "op" and text in ")]}":
            if depth == 0:
                return
            depth -= 1
    raise UnverifiableError("expression", f"cannot read {tokens.text!r} (no {closing!r})")


def _tuple(tokens: _Tokens) -> Node:
    if tokens.peek() == ("name", "for"):
        _skip_to(tokens, "]")
        return _unknown("expression", "a for expression")
    items: list[Node] = []
    while not tokens.accept("]"):
        items.append(_expression(tokens))
        if not tokens.accept(","):
            tokens.expect("]")
            break
    return lambda ev, scope: [item(ev, scope) for item in items]


def _object(tokens: _Tokens) -> Node:
    if tokens.peek() == ("name", "for"):
        _skip_to(tokens, "}")
        return _unknown("expression", "a for expression")
    entries: list[tuple[Node, Node]] = []
    while not tokens.accept("}"):
        kind, text = tokens.peek()
        if kind == "name" and tokens.peek(1)[1] in ("=", ":"):
            tokens.take()
            key = _constant(text)
        else:
            key = _expression(tokens)
        if not (tokens.accept("=") or tokens.accept(":")):
            raise UnverifiableError("expression", f"cannot read object in {tokens.text!r}")
        entries.append((key, _expression(tokens)))
        tokens.accept(",")

    def run(ev: Evaluator, scope: Scope) -> Value:
        result: dict[str, Value] = {}
        for key_node, value_node in entries:
            key_value = key_node(ev, scope)
            if not isinstance(key_value, str):
                key_value = canonical(key_value)
            result[key_value] = value_node(ev, scope)
        return result

    return run


def _unknown(kind: UnverifiableKind, reason: str) -> Node:
    def run(ev: Evaluator, scope: Scope) -> Value:
        raise UnverifiableError(kind, reason)

    return run


def _constant(value: Value) -> Node:
    return lambda ev, scope: value


def _traversal(root: str, tokens: _Tokens) -> Node:
    """``var.x``, ``local.x``, an iterator, or a resource/data/module address."""
    if root in ("var", "local"):
        tokens.expect(".")
        name = tokens.take()[1]
        if root == "var":
            return lambda ev, scope: ev.variable(name)
        return lambda ev, scope: ev.local(name)
    if root == "data" or root == "module":
        parts = [root]
        count = 3 if root == "data" else 2
        while len(parts) < count and tokens.accept("."):
            parts.append(tokens.take()[1])
        text = ".".join(parts)
        return lambda ev, scope: Ref(text)
    if root in ("each", "count", "path", "terraform", "self"):
        while tokens.accept("."):
            tokens.take()
        return _unknown("expression", f"{root}.* (known per instance or per run)")
    if tokens.peek() != ("op", "."):
        return lambda ev, scope: ev.iterator(root, scope)
    # A resource: TYPE.NAME[.ATTR]; an iterator: NAME.key / NAME.value.
    tokens.take()
    second = tokens.take()[1]
    key_part: Node | None = None
    if tokens.peek() == ("op", "[") and tokens.peek(1) != ("op", "*"):
        tokens.take()
        key_part = _expression(tokens)
        tokens.expect("]")
    attribute: str | None = None
    if tokens.peek() == ("op", ".") and tokens.peek(1)[0] == "name":
        tokens.take()
        attribute = tokens.take()[1]

    def run(ev: Evaluator, scope: Scope) -> Value:
        if root in scope:
            value = _step(scope[root], second)
            if key_part is not None:
                value = _step(value, key_part(ev, scope))
            return _step(value, attribute) if attribute is not None else value
        if key_part is not None:
            shown = canonical(key_part(ev, scope))
            text = f"{root}.{second}[{json.dumps(shown)}]"
            return Ref(text + (f".{attribute}" if attribute else ""))
        if attribute is None:
            return Ref(f"{root}.{second}")
        return ev.resource_attribute(root, second, attribute)

    return run


def _arguments(tokens: _Tokens) -> list[Node]:
    tokens.expect("(")
    arguments: list[Node] = []
    while not tokens.accept(")"):
        arguments.append(_expression(tokens))
        if tokens.accept("..."):
            raise UnverifiableError("expression", "an expanded argument (...)")
        if not tokens.accept(","):
            tokens.expect(")")
            break
    return arguments


def _call(name: str, tokens: _Tokens) -> Node:
    arguments = _arguments(tokens)
    function = _FUNCTIONS.get(name)

    def run(ev: Evaluator, scope: Scope) -> Value:
        if function is None:
            raise UnverifiableError("function", f"the function {name}() is not evaluated by drift")
        return function([argument(ev, scope) for argument in arguments])

    return run


def _one(name: str, arguments: list[Value]) -> Value:
    if len(arguments) != 1:
        raise UnverifiableError("expression", f"{name}() takes one argument")
    return arguments[0]


def _no_refs(value: Value, name: str) -> Value:
    if isinstance(value, Ref):
        raise UnverifiableError("computed", f"{name}({value.text}): known only after apply")
    return value


def _jsonencode(arguments: list[Value]) -> Value:
    """Terraform's jsonencode: compact, object keys sorted; an unknown attribute as ``${addr}``."""
    return json.dumps(_plain(_one("jsonencode", arguments)), sort_keys=True, separators=(",", ":"))


def _jsondecode(arguments: list[Value]) -> Value:
    text = _no_refs(_one("jsondecode", arguments), "jsondecode")
    if not isinstance(text, str):
        raise UnverifiableError("expression", "jsondecode() of a non-string")
    try:
        return from_python(json.loads(text))
    except json.JSONDecodeError as error:
        raise UnverifiableError("expression", f"jsondecode(): {error.msg}") from None


def _tostring(arguments: list[Value]) -> Value:
    value = _one("tostring", arguments)
    if isinstance(value, (list, dict)):
        raise UnverifiableError("expression", "tostring() of a collection")
    return value if isinstance(value, Ref) else canonical(value)


def _extreme(
    name: str, pick: Callable[[list[Fraction]], Fraction]
) -> Callable[[list[Value]], Value]:
    def run(arguments: list[Value]) -> Value:
        if not arguments:
            raise UnverifiableError("expression", f"{name}() of nothing")
        return pick([_number(a) for a in arguments])

    return run


def _concat(arguments: list[Value]) -> Value:
    result: list[Value] = []
    for argument in arguments:
        if not isinstance(argument, list):
            raise UnverifiableError("expression", "concat() of a non-list")
        result.extend(argument)
    return result


def _format(arguments: list[Value]) -> Value:
    if not arguments or not isinstance(arguments[0], str):
        raise UnverifiableError("expression", "format() without a literal format")
    pattern, values = arguments[0], list(arguments[1:])

    def replace(found: re.Match[str]) -> str:
        if found.group() == "%%":
            return "%"
        if found.group() not in ("%s", "%d"):
            raise UnverifiableError("function", f"format() verb {found.group()}")
        if not values:
            raise UnverifiableError("expression", "format() with too few values")
        value = values.pop(0)
        return "${" + value.text + "}" if isinstance(value, Ref) else canonical(value)

    return re.sub(r"%[-+# 0-9.]*[a-zA-Z%]", replace, pattern)


def _string_function(name: str, apply: Callable[[str], str]) -> Callable[[list[Value]], Value]:
    def run(arguments: list[Value]) -> Value:
        value = _no_refs(_one(name, arguments), name)
        if not isinstance(value, str):
            raise UnverifiableError("expression", f"{name}() of a non-string")
        return apply(value)

    return run


def _join(arguments: list[Value]) -> Value:
    if len(arguments) != 2 or not isinstance(arguments[1], list):
        raise UnverifiableError("expression", "join(separator, list)")
    separator = arguments[0]
    if not isinstance(separator, str):
        raise UnverifiableError("expression", "join() separator is not a string")
    return separator.join(
        "${" + v.text + "}" if isinstance(v, Ref) else canonical(v) for v in arguments[1]
    )


def _tonumber(arguments: list[Value]) -> Value:
    return _number(_one("tonumber", arguments))


def _tolist(arguments: list[Value]) -> Value:
    value = _one("tolist", arguments)
    if not isinstance(value, list):
        raise UnverifiableError("expression", "tolist() of a non-list")
    return value


def _toset(arguments: list[Value]) -> Value:
    value = _tolist(arguments)
    assert isinstance(value, list)
    unique: list[Value] = []
    for item in value:
        if item not in unique:
            unique.append(item)
    return sorted(unique, key=canonical)


def _merge(arguments: list[Value]) -> Value:
    result: dict[str, Value] = {}
    for argument in arguments:
        if not isinstance(argument, dict):
            raise UnverifiableError("expression", "merge() of a non-object")
        result.update(argument)
    return result


_FUNCTIONS: dict[str, Callable[[list[Value]], Value]] = {
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tolist": _tolist,
    "toset": _toset,
    "min": _extreme("min", min),
    "max": _extreme("max", max),
    "concat": _concat,
    "merge": _merge,
    "format": _format,
    "join": _join,
    "lower": _string_function("lower", str.lower),
    "upper": _string_function("upper", str.upper),
    "trimspace": _string_function("trimspace", str.strip),
}


# --------------------------------------------------------------------------- templates

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _template(text: str) -> Node:
    """A quoted string's content: literal text and ``${...}`` interpolations."""
    parts: list[str | Node] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$${", i) or text.startswith("%%{", i):
            literal.append(text[i + 1 : i + 3])
            i += 3
        elif text.startswith("%{", i):
            raise UnverifiableError("expression", "a template directive (%{ ... })")
        elif text.startswith("${", i):
            end = _interpolation_end(text, i)
            if literal:
                parts.append("".join(literal))
                literal = []
            inner = text[i + 2 : end - 1].strip().removeprefix("~").removesuffix("~").strip()
            parts.append(_parse(inner))
            i = end
        elif text[i] == "\\" and i + 1 < len(text):
            literal.append(_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
        else:
            literal.append(text[i])
            i += 1
    if literal:
        parts.append("".join(literal))

    def run(ev: Evaluator, scope: Scope) -> Value:
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0](ev, scope)  # "${x}" is x itself, whatever its type
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = part(ev, scope)
            if isinstance(value, (list, dict)):
                raise UnverifiableError("expression", "a collection inside a string")
            out.append("${" + value.text + "}" if isinstance(value, Ref) else canonical(value))
        return "".join(out)

    return run


def _interpolation_end(text: str, start: int) -> int:
    depth, i = 0, start + 2
    while i < len(text):
        char = text[i]
        if char == '"':
            i = _string_end(text, i)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i + 1
            depth -= 1
        i += 1
    raise UnverifiableError("expression", f"unterminated interpolation in {text!r}")


_HEREDOC = re.compile(r"^<<(-?)([A-Za-z_]\w*)\n(.*?)\n?\s*\2$", re.DOTALL)


def source_text(raw: object) -> str:
    """How an expression shows in a finding: ``var.a * 20``, ``"${var.p}-x"``."""
    if isinstance(raw, JsonValue):
        return json.dumps(raw.value)
    if isinstance(raw, str):
        if raw.startswith("${") and raw.endswith("}") and _interpolation_end(raw, 0) == len(raw):
            return raw[2:-1].strip()
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return json.dumps(raw, sort_keys=True, default=str)


# --------------------------------------------------------------------------- evaluator


class Evaluator:
    """Values of one Terraform directory's expressions; see the module docstring."""

    def __init__(
        self,
        variables: Mapping[str, object],
        locals_: Mapping[str, object],
        resolver: Resolver,
    ) -> None:
        self._variables = variables  # name -> raw value (None: declared, no value)
        self._locals = locals_
        self._resolver = resolver
        self._cache: dict[tuple[str, str], Value] = {}
        self._active: set[tuple[str, str]] = set()

    def value(self, raw: object, scope: Scope | None = None) -> Value:
        """The value of what python-hcl2 returned for an attribute."""
        scope = scope or {}
        if isinstance(raw, JsonValue):
            return from_python(raw.value)
        if isinstance(raw, str):
            return self._string(raw, scope)
        if isinstance(raw, list):
            return [self.value(item, scope) for item in raw]
        if isinstance(raw, dict):
            return {
                _unquote(str(k)): self.value(v, scope)
                for k, v in raw.items()
                if not str(k).startswith("__")
            }
        return from_python(raw)

    def _string(self, raw: str, scope: Scope) -> Value:
        if raw.startswith("${") and raw.endswith("}") and _interpolation_end(raw, 0) == len(raw):
            return _parse(raw[2:-1].strip())(self, scope)
        text = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
        heredoc = _HEREDOC.match(text)
        if heredoc:
            body = heredoc.group(3)
            if heredoc.group(1):
                lines = body.splitlines()
                indent = min(
                    (len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0
                )
                body = "\n".join(line[indent:] for line in lines)
            return _template(body.replace('\\"', '"'))(self, scope)
        return _template(text)(self, scope)

    def variable(self, name: str) -> Value:
        return self._named("var", name, self._variables)

    def local(self, name: str) -> Value:
        return self._named("local", name, self._locals)

    def _named(self, root: str, name: str, table: Mapping[str, object]) -> Value:
        key = (root, name)
        if key in self._cache:
            return self._cache[key]
        if name not in table:
            raise UnverifiableError("variable", f"{root}.{name} is not declared")
        raw = table[name]
        if isinstance(raw, FromEnvironment):
            raise UnverifiableError(
                "variable",
                f"var.{name} is set by TF_VAR_{name} in the environment: pass it in a --var-file",
            )
        if raw is None:
            raise UnverifiableError(
                "variable",
                f"var.{name} has no default and no *.tfvars or --var-file sets it",
            )
        if key in self._active:
            raise UnverifiableError("expression", f"{root}.{name} refers to itself")
        self._active.add(key)
        try:
            value = self.value(raw)
        finally:
            self._active.discard(key)
        self._cache[key] = value
        return value

    def iterator(self, name: str, scope: Scope) -> Value:
        if name in scope:
            return scope[name]
        raise UnverifiableError("expression", f"{name} is not a name drift knows")

    def resource_attribute(self, resource_type: str, name: str, attribute: str) -> Value:
        key = ("resource", f"{resource_type}.{name}.{attribute}")
        if key in self._active:
            raise UnverifiableError("expression", f"{key[1]} refers to itself")
        self._active.add(key)
        try:
            value = self._resolver(resource_type, name, attribute)
        finally:
            self._active.discard(key)
        return Ref(key[1]) if value is None else value


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text
