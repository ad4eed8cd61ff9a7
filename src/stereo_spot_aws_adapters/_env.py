"""Runtime behind the generated ``env_config``: reading Terraform outputs from the environment."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from stereo_spot_shared.errors import (
    InvalidArgumentError,
    InvalidConfigurationError,
    MissingConfigurationError,
)


@dataclass(frozen=True)
class EnvVariable:
    """An environment variable that carries one Terraform output."""

    name: str
    terraform_output: str
    description: str

    def explain(self) -> str:
        return f"${self.name} ({self.description}; Terraform output `{self.terraform_output}`)"


def require_env(variable: EnvVariable, environ: Mapping[str, str] | None = None) -> str:
    """The variable's value; missing or blank raises ``MissingConfigurationError``."""
    value = (os.environ if environ is None else environ).get(variable.name, "").strip()
    if not value:
        raise MissingConfigurationError(
            f"environment variable {variable.name} is not set: it holds the "
            f"{variable.description}, from the Terraform output `{variable.terraform_output}` "
            f"(run `terraform output -raw {variable.terraform_output}`)",
            [variable.name],
        )
    return value


def optional_env(variable: EnvVariable, environ: Mapping[str, str] | None = None) -> str | None:
    """The variable's value, or ``None`` when it is missing or blank (an optional resource)."""
    value = (os.environ if environ is None else environ).get(variable.name, "").strip()
    return value or None


LONG_POLL_VARIABLE = "SQS_LONG_POLL_WAIT_SECONDS"
"""Overrides every receiver factory's default long-poll wait (the original's variable)."""


def long_poll_wait_seconds(default: int, environ: Mapping[str, str] | None = None) -> int:
    """``$SQS_LONG_POLL_WAIT_SECONDS`` when set, else ``default`` (the schema's wait).

    Clamped to SQS's 0-20 seconds, as the original's factories do; a value that
    is not an integer raises ``InvalidConfigurationError`` naming the variable.
    """
    raw = (os.environ if environ is None else environ).get(LONG_POLL_VARIABLE, "").strip()
    if not raw:
        return default
    try:
        seconds = int(raw)
    except ValueError:
        raise InvalidConfigurationError(
            f"${LONG_POLL_VARIABLE} must be a whole number of seconds (0-20), not {raw!r}"
        ) from None
    return min(20, max(0, seconds))


def env_text(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """A variable that carries no Terraform output (a setting with a default): its value, or
    ``None`` when it is missing or blank."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return value or None


def check_variables(
    variables: Iterable[EnvVariable], environ: Mapping[str, str] | None = None
) -> None:
    """Raise one ``MissingConfigurationError`` naming every missing variable."""
    env = os.environ if environ is None else environ
    missing = [v for v in variables if not env.get(v.name, "").strip()]
    if missing:
        lines = "\n".join(f"  - {v.explain()}" for v in missing)
        raise MissingConfigurationError(
            f"{len(missing)} environment variable(s) missing:\n{lines}",
            [v.name for v in missing],
        )


def select_variables(variables: Iterable[EnvVariable], names: Iterable[str]) -> list[EnvVariable]:
    """The variables with these names; an unknown name is an ``InvalidArgumentError``."""
    by_name = {v.name: v for v in variables}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise InvalidArgumentError(f"unknown variable(s) {unknown}; known: {sorted(by_name)}")
    return [by_name[name] for name in names]


def load_terraform_outputs(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read ``terraform output -json`` output or a ``KEY=value`` file into env names.

    JSON output maps each output to ``{"value": ..., "type": ..., "sensitive": ...}``;
    the names come back upper-cased, the way the services read them. A ``.env``
    style file may use ``export``, comments, blank lines and quoted values.
    """
    file = Path(path)
    return {name: _text(value, name, file) for name, value in _read_outputs(file).items()}


def _read_outputs(file: Path) -> dict[str, object]:
    """Every output in the file by upper-cased name, values as the file holds them."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"Terraform outputs file not found: {file}") from None
    except UnicodeDecodeError as error:
        raise InvalidConfigurationError(f"{file}: not UTF-8 text (byte {error.start})") from error
    if text.lstrip().startswith("{"):
        return _from_terraform_json(text, file)
    return dict(_from_env_file(text, file))


def _text(value: object, name: str, file: Path) -> str:
    """An output's value as an environment variable holds it: strings and numbers only."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise InvalidConfigurationError(
            f"{file}: output {name.lower()!r} is not a string or number"
        )
    return str(value)


@dataclass(frozen=True)
class DeclaredOutputs:
    """The values a Terraform outputs file holds for declared variables, and what it ignored."""

    values: dict[str, str]
    ignored: tuple[str, ...]


def load_declared_outputs(
    path: str | os.PathLike[str], variables: Iterable[EnvVariable]
) -> DeclaredOutputs:
    """Read an outputs file, keeping only the variables declared in ``variables``.

    Anything else in the file (``aws_endpoint_url``, ``AWS_PROFILE``, another
    stack's outputs) is never set: a stray name could redirect signed requests,
    with the operator's credentials, to another host. Those names are returned
    in ``ignored`` so the caller can report them.
    """
    file = Path(path)
    declared = {v.name: v for v in variables}
    by_output = {v.terraform_output.upper(): v.name for v in declared.values()}
    values: dict[str, str] = {}
    ignored: list[str] = []
    # Only declared outputs must be strings or numbers: an undeclared one is
    # ignored whatever its type (a list of subnets, a map of tags).
    for name, value in _read_outputs(file).items():
        variable = name if name in declared else by_output.get(name)
        if variable is None:
            ignored.append(name)
        else:
            values[variable] = _text(value, name, file)
    return DeclaredOutputs(values, tuple(sorted(ignored)))


def _from_terraform_json(text: str, file: Path) -> dict[str, object]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidConfigurationError(f"{file}: not valid JSON: {error}") from None
    except RecursionError as error:
        raise InvalidConfigurationError(f"{file}: JSON nested too deeply to read") from error
    if not isinstance(data, dict):
        raise InvalidConfigurationError(
            f"{file}: expected the object `terraform output -json` prints"
        )
    result: dict[str, object] = {}
    for name, output in data.items():
        result[name.upper()] = output.get("value") if isinstance(output, dict) else output
    return result


def _from_env_file(text: str, file: Path) -> dict[str, str]:
    result: dict[str, str] = {}
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name:
            # Never echo the line: a malformed line can hold a secret.
            raise InvalidConfigurationError(
                f"{file}:{number}: expected KEY=value (line {number} not shown)"
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        result[name.upper()] = value
    return result
