"""A local stack in one command: ``python -m stereo_spot_aws_adapters stack`` (``make stack``).

Starts the embedded moto server, provisions every table, queue and bucket of
the schema the way ``infra/`` does (bucket notification included), writes the
stack's ``outputs.json`` (as ``terraform output -json`` prints it) and a
``.env`` a service can source, prints how to point a service, ``smoke``,
``dlq`` and ``make conformance`` at it, and serves until Ctrl-C (or SIGTERM).
On the way out it stops the server, whose state lives in memory and goes with
it, and removes the two files, which would point at nothing.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from stereo_spot_shared.backends import STORAGE_ADAPTER
from stereo_spot_shared.errors import InvalidConfigurationError

from .. import env_config
from ..generated.resources import BUCKETS, QUEUES, TABLES
from .demo import route_uploads
from .embedded import EmbeddedMotoServer
from .provision import provision

__all__ = ["ENV_FILE", "MARKER", "OUTPUTS_FILE", "RunningStack", "run_stack", "terraform_outputs"]

OUTPUTS_FILE = "outputs.json"
ENV_FILE = ".env"
MARKER = "# Written by `python -m stereo_spot_aws_adapters stack`; removed when it stops."
"""The first line of the ``.env`` it writes: files without it are never overwritten."""

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
"""moto accepts any key. The ``.env`` gets these, never the caller's own credentials."""


@dataclass(frozen=True)
class RunningStack:
    """A running stack: where it listens and the files that describe it."""

    endpoint_url: str
    region: str
    environment: dict[str, str]  # each resource's variable -> table name, queue URL, bucket
    outputs_file: Path
    env_file: Path

    def variables(self) -> dict[str, str]:
        """What the ``.env`` sets: the resources, the endpoint, the region, fake credentials."""
        return {
            **self.environment,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,  # what boto3 itself reads
            **FAKE_CREDENTIALS,
            STORAGE_ADAPTER: "aws",
        }

    def instructions(self) -> str:
        outputs, env = _shown(self.outputs_file), _shown(self.env_file)
        return f"""\
Point a service at it (in another shell; .env sets the resources, AWS_ENDPOINT_URL,
AWS_REGION and moto's fake credentials):
  set -a; . {env}; set +a
  python -m your_service
Then, in that shell:
  python -m stereo_spot_aws_adapters smoke --env-file {outputs}
  python -m stereo_spot_aws_adapters dlq video_worker --env-file {outputs}
  make conformance ENDPOINT={self.endpoint_url}    # from the repository's root
Ctrl-C stops the server (its data lives in memory and goes with it) and removes
{outputs} and {env}."""


def _shown(path: Path) -> str:
    """A path as a shell takes it: ``. .env`` would search $PATH, ``. ./.env`` does not."""
    return str(path) if path.is_absolute() or path.parent != Path() else f"./{path}"


def terraform_outputs(environment: dict[str, str]) -> dict[str, dict[str, object]]:
    """``environment`` as ``terraform output -json`` prints the stack's outputs."""
    return {
        variable.terraform_output: {
            "sensitive": False,
            "type": "string",
            "value": environment[variable.name],
        }
        for variable in (*env_config.VARIABLES, *env_config.OPTIONAL_VARIABLES)
        if variable.name in environment
    }


def _check_writable(directory: Path) -> None:
    """Refuse to overwrite an outputs or ``.env`` file that a previous stack did not write."""
    env_file = directory / ENV_FILE
    ours = env_file.is_file() and env_file.read_text(encoding="utf-8").startswith(MARKER)
    for path in (env_file, directory / OUTPUTS_FILE):
        if path.exists() and not ours:
            raise InvalidConfigurationError(
                f"{path} exists and was not written by `stack`: move it, or pass --dir"
            )


def _write_files(stack: RunningStack) -> None:
    stack.outputs_file.write_text(
        json.dumps(terraform_outputs(stack.environment), indent=2) + "\n", encoding="utf-8"
    )
    lines = [MARKER, *(f"{name}={value}" for name, value in stack.variables().items())]
    stack.env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _remove_files(stack: RunningStack) -> None:
    for path in (stack.outputs_file, stack.env_file):
        path.unlink(missing_ok=True)


def run_stack(
    *,
    prefix: str = "stereo-spot-local",
    port: int = 4566,
    region: str = "us-east-1",
    directory: Path = Path(),
    out: TextIO | None = None,
    stop: threading.Event | None = None,
    on_ready: Callable[[RunningStack], None] | None = None,
) -> int:
    """Serve a provisioned local stack until ``stop`` is set or Ctrl-C; 0 on a clean stop.

    Raises ``InvalidConfigurationError`` when the port is taken or a file in
    ``directory`` is not its own, before anything is written.
    """
    out = out or sys.stdout
    directory.mkdir(parents=True, exist_ok=True)
    _check_writable(directory)
    server = EmbeddedMotoServer(port=port)
    try:
        server.start()
    except OSError as error:
        raise InvalidConfigurationError(
            f"cannot listen on 127.0.0.1:{port} ({error.strerror or error}): "
            "is another stack or RunningStack running? pass --port (0 picks a free one)"
        ) from error
    try:
        # The stack's own requests need credentials; moto accepts any.
        for name, value in FAKE_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        environment = provision(prefix=prefix, region_name=region, endpoint_url=server.endpoint_url)
        route = route_uploads(environment, region=region, endpoint_url=server.endpoint_url)
        stack = RunningStack(
            server.endpoint_url,
            region,
            environment,
            directory / OUTPUTS_FILE,
            directory / ENV_FILE,
        )
        _write_files(stack)
        try:
            print(
                f"stack: {len(TABLES)} tables, {len(QUEUES)} queues (with their dead-letter "
                f"queues), {len(BUCKETS)} buckets named {prefix}-* on {server.endpoint_url} "
                f"(moto, region {region}); {route}",
                file=out,
            )
            print(
                f"wrote {stack.outputs_file} (terraform output -json) and {stack.env_file}",
                file=out,
            )
            print(stack.instructions(), file=out, flush=True)
            if on_ready is not None:
                on_ready(stack)
            _serve(stop or threading.Event())
        except KeyboardInterrupt:
            pass
        finally:
            _remove_files(stack)
    finally:
        server.stop()
    print(f"stopped; removed {stack.outputs_file} and {stack.env_file}", file=out, flush=True)
    return 0


def _serve(stop: threading.Event) -> None:
    # A short timeout keeps the main thread responsive to Ctrl-C on every platform.
    while not stop.wait(0.5):
        pass
