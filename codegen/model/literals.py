"""How schema values are written into generated Python: never pasted raw.

Every string from the schema (names, outputs, a fixed ``hash_value``,
descriptions, even the schema's folder name in the header) reaches generated
code through one of two Jinja filters:

* ``py`` — a Python literal (``"books"``, ``20``, ``None``) for code positions;
* ``text`` — the body of a docstring or comment: backslashes, double quotes and
  every non-printable character (line breaks included) are escaped, so the text
  can neither close the docstring nor end the comment, and a docstring reads
  back exactly as the schema wrote it.
"""

from __future__ import annotations


def escape_text(text: str) -> str:
    """``text`` escaped for the inside of a double-quoted or triple-quoted string, or a comment."""
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        else:
            out.append(repr(char)[1:-1])  # \n, \x00, \u2028, ...
    return "".join(out)


def python_literal(value: object) -> str:
    """``value`` as Python source: a double-quoted string, or the repr of a number, bool or None."""
    if isinstance(value, str):
        return f'"{escape_text(value)}"'
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__} values")
