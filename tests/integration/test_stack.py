"""``python -m stereo_spot_aws_adapters stack``: a local stack in one command, until Ctrl-C."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from stereo_spot_aws_adapters import env_config
from stereo_spot_aws_adapters._clients import clear_client_cache
from stereo_spot_aws_adapters._env import load_declared_outputs, load_terraform_outputs
from stereo_spot_aws_adapters.devtools.cli import main
from stereo_spot_aws_adapters.devtools.stack import MARKER, RunningStack, run_stack
from stereo_spot_shared import adapters_from_env
from stereo_spot_shared.errors import InvalidConfigurationError

pytestmark = pytest.mark.integration


class Running:
    """``run_stack`` on a thread, stopped by ``stop``; its return code once it ends."""

    def __init__(self, directory: Path) -> None:
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.stack: RunningStack | None = None
        self.returncode: int | None = None
        self.error: BaseException | None = None
        self.prefix = f"stk-{uuid.uuid4().hex[:6]}"
        self.thread = threading.Thread(target=self._run, args=(directory,), daemon=True)

    def _run(self, directory: Path) -> None:
        def on_ready(stack: RunningStack) -> None:
            self.stack = stack
            self.ready.set()

        try:
            self.returncode = run_stack(
                prefix=self.prefix, port=0, directory=directory, stop=self.stop, on_ready=on_ready
            )
        except BaseException as error:  # reported by the test, not lost on the thread
            self.error = error
        finally:
            self.ready.set()

    def __enter__(self) -> RunningStack:
        self.thread.start()
        assert self.ready.wait(120)
        assert self.error is None and self.stack is not None, self.error
        return self.stack

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(30)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[Running, RunningStack]]:
    runner = Running(tmp_path)
    with runner as stack:
        yield runner, stack


def test_stack_writes_outputs_and_env_that_a_service_smoke_and_dlq_use(
    running: tuple[Running, RunningStack],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runner, stack = running
    outputs = tmp_path / "outputs.json"
    env_file = tmp_path / ".env"

    # Every resource the stack provisioned, the optional ones too, and nothing else.
    every = (*env_config.VARIABLES, *env_config.OPTIONAL_VARIABLES)
    declared = load_declared_outputs(outputs, every)
    assert declared.ignored == ()
    assert sorted(declared.values) == sorted(v.name for v in every)
    assert all(entry["type"] == "string" for entry in json.loads(outputs.read_text()).values())
    assert env_file.read_text().splitlines()[0] == MARKER
    sourced = load_terraform_outputs(env_file)
    assert sourced["AWS_ENDPOINT_URL"] == stack.endpoint_url
    assert sourced["AWS_ACCESS_KEY_ID"] == "testing"  # never the caller's own keys

    # A service: `set -a; . ./.env; set +a`, then adapters_from_env().
    for name, value in sourced.items():
        monkeypatch.setenv(name, value)
    clear_client_cache()
    adapters = adapters_from_env(wait_time_seconds=1)
    adapters.video_worker_sender.send("hello from a service")
    [message] = adapters.video_worker_receiver.receive(max_messages=1)
    assert message.body == "hello from a service"
    adapters.video_worker_receiver.delete(message.receipt_handle)

    # dlq --env-file outputs.json, with the environment .env set.
    assert main(["dlq", "video_worker", "--env-file", str(outputs), "--wait", "0"]) == 0
    assert f"0 dead letter(s) in {stack.endpoint_url}/" in capsys.readouterr().out

    printed = stack.instructions()
    for line in (
        f"set -a; . {env_file}; set +a",
        f"smoke --env-file {outputs}",
        f"dlq video_worker --env-file {outputs}",
        f"make conformance ENDPOINT={stack.endpoint_url}",
    ):
        assert line in printed

    runner.stop.set()
    runner.thread.join(30)
    assert runner.returncode == 0
    assert not outputs.exists() and not env_file.exists()


def test_stack_never_overwrites_files_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MY_SECRET=keep-me\n", encoding="utf-8")
    with pytest.raises(InvalidConfigurationError, match=r"\.env exists and was not written"):
        run_stack(port=0, directory=tmp_path, stop=threading.Event())
    assert (tmp_path / ".env").read_text() == "MY_SECRET=keep-me\n"
    assert not (tmp_path / "outputs.json").exists()


def test_a_taken_port_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["stack", "--port", str(port), "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in err
    assert "--port" in err


def test_ctrl_c_stops_the_server_and_removes_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[RunningStack] = []

    def ctrl_c(stack: RunningStack) -> None:
        seen.append(stack)
        assert stack.outputs_file.is_file() and stack.env_file.is_file()
        raise KeyboardInterrupt  # what Python makes of SIGINT in the main thread

    assert (
        run_stack(prefix=f"stk-{uuid.uuid4().hex[:6]}", port=0, directory=tmp_path, on_ready=ctrl_c)
        == 0
    )

    out = capsys.readouterr().out
    assert "Ctrl-C stops the server" in out
    assert out.rstrip().endswith(
        f"stopped; removed {tmp_path / 'outputs.json'} and {tmp_path / '.env'}"
    )
    assert not (tmp_path / "outputs.json").exists() and not (tmp_path / ".env").exists()
    with pytest.raises(OSError):  # the server is gone
        socket.create_connection(("127.0.0.1", int(seen[0].endpoint_url.rsplit(":", 1)[1])), 1)
