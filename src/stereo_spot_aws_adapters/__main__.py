"""Command line: ``python -m stereo_spot_aws_adapters {demo,smoke}``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .embedded import MotoNotInstalledError

EPILOG = """\
examples:
  python -m stereo_spot_aws_adapters demo
  python -m stereo_spot_aws_adapters demo --backend memory
  terraform -chdir=infra output -json > outputs.json
  python -m stereo_spot_aws_adapters smoke --env-file outputs.json
  python -m stereo_spot_aws_adapters smoke --env-file outputs.json \\
      --endpoint-url http://localhost:4566 --region us-east-1

Both commands print each step as it runs and end with a summary; the exit
status is 0 when every step passed and 1 otherwise, naming the failed step.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stereo_spot_aws_adapters",
        description="Walk one stereo-spot job through the whole pipeline using the AWS adapters.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
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
        default="aws",
        help="aws: the AWS adapters against an embedded moto server; memory: the in-memory "
        "backend (no server, no AWS request) (default: %(default)s)",
    )
    demo.add_argument(
        "--prefix",
        default="stereo-spot-demo",
        help="name prefix for the provisioned resources (default: %(default)s)",
    )
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Imported here so `--help` works without importing boto3's service models.
    from .demo import run_demo, run_smoke

    try:
        if args.command == "demo":
            return run_demo(prefix=args.prefix, backend=args.backend)
        return run_smoke(
            env_file=args.env_file,
            endpoint_url=args.endpoint_url,
            region=args.region,
            notification_wait=args.notification_wait,
        )
    except MotoNotInstalledError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
