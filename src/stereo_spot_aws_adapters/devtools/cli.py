"""The commands behind ``python -m stereo_spot_aws_adapters {demo,smoke,dlq,stack}``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .._version import DISTRIBUTION, __version__
from .embedded import MotoNotInstalledError

EPILOG = """\
examples:
  python -m stereo_spot_aws_adapters demo
  python -m stereo_spot_aws_adapters demo --backend memory
  terraform -chdir=infra output -json > outputs.json
  python -m stereo_spot_aws_adapters smoke --env-file outputs.json
  python -m stereo_spot_aws_adapters smoke --env-file outputs.json \\
      --endpoint-url http://localhost:4566 --region us-east-1
  python -m stereo_spot_aws_adapters dlq video_worker --limit 20
  python -m stereo_spot_aws_adapters dlq video_worker --redrive
  python -m stereo_spot_aws_adapters dlq video_worker --env-file outputs.json
  python -m stereo_spot_aws_adapters stack --port 4566

demo and smoke print each step as it runs and end with a summary; the exit
status is 0 when every step passed and 1 otherwise, naming the failed step.
dlq exits 0 when it listed (or moved) every message it read, 1 otherwise.
stack serves until Ctrl-C and exits 0; 2 when it cannot start (port taken, ...).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stereo_spot_aws_adapters",
        description="Walk one stereo-spot job through the whole pipeline using the AWS adapters.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{DISTRIBUTION} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_demo(commands)
    _add_smoke(commands)
    _add_dlq(commands)
    _add_stack(commands)
    return parser


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="run the walk against an embedded moto server (no AWS account, no Docker; "
        "needs the [demo] extra)",
        description="Start moto in this process on 127.0.0.1, provision every table, queue "
        "and bucket in the schema, set the environment the Terraform outputs would, and walk "
        "one job through upload, chunking, video workers, reassembly and listing.",
    )
    demo.add_argument(
        "--backend",
        choices=("aws", "memory"),
        default=None,
        help="aws: the AWS adapters against an embedded moto server; memory: the in-memory "
        "backend (no server, no AWS request) (default: $STORAGE_ADAPTER, else aws)",
    )
    demo.add_argument(
        "--prefix",
        default="stereo-spot-demo",
        help="name prefix for the provisioned resources (default: %(default)s)",
    )


def _add_smoke(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    smoke = commands.add_parser(
        "smoke",
        help="run the same walk against a deployed stack (LocalStack or AWS) from its "
        "Terraform outputs, then delete what it created",
        description="Read the stack's Terraform outputs, build every adapter from them and "
        "walk one job through it. Provisions nothing. Deletes only what the walk created "
        "(its objects, job items, segment completions and lock item); messages that belong "
        "to others are left on their queues.",
    )
    smoke.add_argument(
        "--env-file",
        required=True,
        metavar="FILE",
        help="`terraform output -json` output, or a file of KEY=value lines",
    )
    smoke.add_argument(
        "--endpoint-url", metavar="URL", help="endpoint override, e.g. http://localhost:4566"
    )
    smoke.add_argument("--region", metavar="REGION", help="AWS region (default: $AWS_REGION)")
    smoke.add_argument(
        "--notification-wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for the S3 upload notification before simulating it "
        "(default: %(default)s)",
    )


def _add_dlq(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dlq = commands.add_parser(
        "dlq",
        help="list a queue's dead letters, or move them back to the queue (--redrive)",
        description="Find QUEUE's dead-letter queue from its redrive policy and list up to "
        "--limit dead letters (id, receive count, first-received time, body preview), leaving "
        "them where they are; with --redrive, move them back to QUEUE (each is sent, then "
        "deleted from the dead-letter queue, so nothing is lost).",
    )
    dlq.add_argument(
        "queue",
        metavar="QUEUE",
        help="a queue of the schema (chunking, video_worker, reassembly; its URL comes from "
        "its environment variable) or a queue URL",
    )
    dlq.add_argument("--redrive", action="store_true", help="move the dead letters back")
    dlq.add_argument(
        "--env-file",
        metavar="FILE",
        help="read the schema queue's URL from this file (`terraform output -json` output, or "
        "KEY=value lines, as smoke takes) instead of the environment",
    )
    dlq.add_argument(
        "--limit", type=int, default=10, metavar="N", help="at most N messages (default: 10)"
    )
    dlq.add_argument("--endpoint-url", metavar="URL", help="endpoint override")
    dlq.add_argument("--region", metavar="REGION", help="AWS region (default: $AWS_REGION)")
    dlq.add_argument(
        "--wait",
        type=int,
        default=1,
        choices=range(0, 21),
        metavar="SECONDS",
        help="long-poll wait per receive, 0-20 (default: %(default)s)",
    )


def _add_stack(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stack = commands.add_parser(
        "stack",
        help="a local stack until Ctrl-C: embedded moto server, every resource provisioned, "
        "outputs.json and .env written (needs the [demo] extra)",
        description="Start moto on 127.0.0.1, provision every table, queue and bucket of the "
        "schema (and the input bucket's notification), write outputs.json (as `terraform "
        "output -json` prints it) and .env, print how to point a service, smoke, dlq and "
        "`make conformance` at it, and serve until Ctrl-C, which stops the server and "
        "removes both files.",
    )
    stack.add_argument(
        "--port",
        type=int,
        default=4566,
        help="port on 127.0.0.1 (default: %(default)s, LocalStack's; 0 picks a free one)",
    )
    stack.add_argument(
        "--prefix",
        default="stereo-spot-local",
        help="name prefix for the provisioned resources (default: %(default)s)",
    )
    stack.add_argument("--region", default="us-east-1", help="AWS region (default: %(default)s)")
    stack.add_argument(
        "--dir",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="where to write outputs.json and .env (default: the current directory); "
        "files there that an earlier stack did not write are never overwritten",
    )


def run_stack_command(args: argparse.Namespace) -> int:
    import signal
    import threading

    from .stack import run_stack

    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        return run_stack(
            prefix=args.prefix, port=args.port, region=args.region, directory=args.dir, stop=stop
        )
    except KeyboardInterrupt:  # Ctrl-C while it was starting; the server is already stopped
        print("interrupted while starting", file=sys.stderr)
        return 130


def run_dlq(args: argparse.Namespace) -> int:
    from .._clients import get_client
    from .._env import EnvVariable, load_declared_outputs, require_env
    from ..generated.resources import QUEUES
    from .dead_letters import dead_letter_queue_url, list_dead_letters, redrive

    if args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return 2
    known = {queue.name: queue for queue in QUEUES}
    if args.queue in known:
        queue = known[args.queue]
        variable = EnvVariable(
            queue.env_var, queue.terraform_output, f"URL of the {queue.name} queue"
        )
        if args.env_file is None:
            queue_url = require_env(variable)
        else:
            outputs = load_declared_outputs(args.env_file, [variable])
            if queue.env_var not in outputs.values:
                print(
                    f"error: {args.env_file} has no {queue.terraform_output} output "
                    f"(nor {queue.env_var}=...): it names the {queue.name} queue's URL",
                    file=sys.stderr,
                )
                return 2
            queue_url = outputs.values[queue.env_var]
    elif args.queue.startswith(("https://", "http://")):
        if args.env_file is not None:
            print(
                "error: --env-file reads a schema queue's URL; QUEUE is already a URL",
                file=sys.stderr,
            )
            return 2
        queue_url = args.queue
    else:
        print(
            f"error: unknown queue {args.queue!r}; use one of {', '.join(known)} or a queue URL",
            file=sys.stderr,
        )
        return 2
    client = get_client("sqs", region_name=args.region, endpoint_url=args.endpoint_url)
    dlq_url = dead_letter_queue_url(client, queue_url)
    if not args.redrive:
        letters = list_dead_letters(client, dlq_url, limit=args.limit, wait_time_seconds=args.wait)
        for letter in letters:
            print(letter.render())
        print(f"{len(letters)} dead letter(s) in {dlq_url} (left in place)")
        return 0
    result = redrive(client, dlq_url, queue_url, limit=args.limit, wait_time_seconds=args.wait)
    for message_id in result.moved:
        print(f"moved {message_id}")
    for message_id in result.not_sent:
        print(
            f"NOT moved {message_id}: {result.reasons[message_id]}; "
            "it stays in the dead-letter queue"
        )
    for message_id in result.not_deleted:
        print(f"DUPLICATED {message_id}: sent, but could not be deleted from the dead-letter queue")
    print(f"{len(result.moved)} message(s) moved from {dlq_url} to {queue_url}")
    return 0 if not result.not_sent and not result.not_deleted else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("dlq", "stack"):
        from stereo_spot_shared.errors import (
            InvalidConfigurationError,
            MissingConfigurationError,
            StereoSpotError,
        )

        try:
            return run_dlq(args) if args.command == "dlq" else run_stack_command(args)
        except MotoNotInstalledError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except (MissingConfigurationError, InvalidConfigurationError, FileNotFoundError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except StereoSpotError as error:  # the service refused or failed a request
            print(f"error: {error}", file=sys.stderr)
            return 1
    # Imported here so `--help` works without importing boto3's service models.
    from stereo_spot_shared.errors import InvalidConfigurationError

    from .demo import demo_backend, require_smoke_backend, run_demo, run_smoke

    try:
        if args.command == "demo":
            return run_demo(prefix=args.prefix, backend=demo_backend(args.backend))
        require_smoke_backend()
        return run_smoke(
            env_file=args.env_file,
            endpoint_url=args.endpoint_url,
            region=args.region,
            notification_wait=args.notification_wait,
        )
    except (MotoNotInstalledError, InvalidConfigurationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
