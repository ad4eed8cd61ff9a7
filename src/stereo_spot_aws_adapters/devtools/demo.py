"""The ways to run the walk: ``demo`` (embedded moto server, or in memory) and ``smoke`` (a stack).

All end in the same steps (``walk.WALK_STEPS``); they differ only in how the
backend is set up. ``demo`` provisions everything itself (``--backend memory``
needs no server at all); ``smoke`` reads the stack's Terraform outputs,
provisions nothing, and deletes what it created.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from stereo_spot_shared import interfaces
from stereo_spot_shared.backends import STORAGE_ADAPTER, installed_backends
from stereo_spot_shared.errors import InvalidConfigurationError, UnknownBackendError
from stereo_spot_shared.generated.keys import INPUT_LAYOUT
from stereo_spot_shared.memory import MemoryState

from .. import env_config
from .._clients import ENDPOINT_VARIABLES, SERVICES, get_client
from .._env import load_declared_outputs
from ..generated.resources import BUCKETS, QUEUES, TABLES
from .embedded import EmbeddedMotoServer
from .provision import provision
from .walk import WALK_STEPS, Step, Walk, WalkError, clean_up, run_steps

__all__ = [
    "BACKENDS",
    "demo_backend",
    "require_smoke_backend",
    "run_demo",
    "run_memory_demo",
    "run_smoke",
]

BACKENDS = ("aws", "memory")
"""What ``demo --backend`` accepts: an embedded moto server, or the in-memory backend."""

DEMO_REGION = "us-east-1"


def _storage_adapter() -> str | None:
    """``$STORAGE_ADAPTER`` as the backends read it (lower-cased), or ``None`` when unset or blank."""
    return os.environ.get(STORAGE_ADAPTER, "").strip().lower() or None


def _unknown_backend(name: str, command: str) -> UnknownBackendError:
    installed = sorted(installed_backends())
    return UnknownBackendError(
        f"{STORAGE_ADAPTER}={name!r} names no backend (installed: {', '.join(installed)}); "
        f"{command} runs on {' or '.join(BACKENDS)}: fix or unset {STORAGE_ADAPTER}",
        name,
        installed,
    )


def demo_backend(explicit: str | None) -> str:
    """The backend ``demo`` runs: ``--backend``, else ``$STORAGE_ADAPTER``, else ``aws``.

    A ``$STORAGE_ADAPTER`` the demo cannot run is an ``UnknownBackendError``,
    never silently replaced by the default.
    """
    if explicit is not None:
        return explicit
    selected = _storage_adapter()
    if selected is None:
        return "aws"
    if selected not in BACKENDS:
        raise _unknown_backend(selected, "demo")
    return selected


def require_smoke_backend() -> None:
    """``smoke`` walks a deployed stack on ``aws``; any other ``$STORAGE_ADAPTER`` is an error."""
    selected = _storage_adapter()
    if selected is None or selected == "aws":
        return
    if selected not in BACKENDS:
        raise _unknown_backend(selected, "smoke")
    raise InvalidConfigurationError(
        f"{STORAGE_ADAPTER}={selected!r}, but smoke walks a deployed stack on the aws backend: "
        f"unset {STORAGE_ADAPTER} (or run `demo --backend {selected}`)"
    )


def run_demo(
    *, prefix: str = "stereo-spot-demo", backend: str = "aws", out: TextIO = sys.stdout
) -> int:
    """Walk one job through an embedded moto server (or in memory); 0 when every step passed."""
    if backend == "memory":
        return run_memory_demo(out=out)
    stack = EmbeddedStack(prefix)
    steps: list[Step] = [
        ("start the embedded moto server", stack.start_server),
        ("provision every table, queue and bucket in the schema", stack.provision_resources),
        ("route input-bucket uploads to the chunking queue", stack.route_uploads),
        ("set the environment and build every adapter from it", stack.configure_environment),
        *WALK_STEPS,
    ]
    with tempfile.TemporaryDirectory(prefix="stereo-spot-demo-") as work_dir:
        walk = Walk(out=out, work_dir=Path(work_dir), notification_wait=3.0)
        return run_steps(walk, steps, finally_step=("clean up what the walk created", clean_up))


class EmbeddedStack:
    """The demo's setup steps on the aws backend: a moto server, provisioned like Terraform does."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.server = EmbeddedMotoServer()

    def start_server(self, walk: Walk) -> str:
        walk.resources.enter_context(self.server)
        credentials = "existing credentials"
        if not os.environ.get("AWS_ACCESS_KEY_ID"):
            # moto accepts any key; setting one keeps botocore from searching for real ones.
            os.environ["AWS_ACCESS_KEY_ID"] = "demo"
            os.environ["AWS_SECRET_ACCESS_KEY"] = "demo"
            os.environ.pop("AWS_SESSION_TOKEN", None)
            credentials = "fake credentials"
        return f"listening on {self.server.endpoint_url} ({credentials})"

    def provision_resources(self, walk: Walk) -> str:
        walk.environment = provision(
            prefix=self.prefix, region_name=DEMO_REGION, endpoint_url=self.server.endpoint_url
        )
        ttl = [t.name for t in TABLES if t.ttl_attribute]
        return (
            f"{len(TABLES)} tables (TTL on {', '.join(ttl) or 'none'}), {len(QUEUES)} queues, "
            f"{len(BUCKETS)} buckets, named {self.prefix}-*"
        )

    def route_uploads(self, walk: Walk) -> str:
        return route_uploads(
            walk.environment, region=DEMO_REGION, endpoint_url=self.server.endpoint_url
        )

    def configure_environment(self, walk: Walk) -> str:
        os.environ.update(walk.environment)
        override_endpoints(self.server.endpoint_url)
        os.environ["AWS_REGION"] = DEMO_REGION
        os.environ[STORAGE_ADAPTER] = "aws"
        return _build_adapters(walk, walk.environment)


def route_uploads(environment: dict[str, str], *, region: str, endpoint_url: str) -> str:
    """Terraform's bucket notification, recreated: new source videos go to chunking."""
    queue_url = environment[env_config.CHUNKING_QUEUE_URL.name]
    bucket = environment[env_config.INPUT_BUCKET_NAME.name]
    sqs = get_client("sqs", region_name=region, endpoint_url=endpoint_url)
    s3 = get_client("s3", region_name=region, endpoint_url=endpoint_url)
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": INPUT_LAYOUT.prefix},
                                {"Name": "suffix", "Value": INPUT_LAYOUT.suffix},
                            ]
                        }
                    },
                }
            ]
        },
    )
    return (
        f"s3://{bucket}/{INPUT_LAYOUT.prefix}*{INPUT_LAYOUT.suffix} -> "
        f"{arn.rsplit(':', 1)[-1]} (ObjectCreated)"
    )


def run_memory_demo(*, out: TextIO = sys.stdout) -> int:
    """The same walk on the in-memory backend: no server, no AWS request, a few seconds."""

    def select_backend(walk: Walk) -> str:
        os.environ[STORAGE_ADAPTER] = "memory"
        installed = ", ".join(sorted(installed_backends()))
        return f"{STORAGE_ADAPTER}=memory (installed backends: {installed}); no server to start"

    def build_backend(walk: Walk) -> str:
        adapters = walk.build_adapters()
        return (
            f"adapters_from_env() built a {adapters.backend} backend: {len(TABLES)} tables, "
            f"{len(QUEUES)} queues, {len(BUCKETS)} buckets, empty and private to this bundle"
        )

    def show_routes(walk: Walk) -> str:
        # The bucket notifications Terraform configures come from the schema's key layouts.
        state = getattr(walk.adapters.objects, "state", None)
        if not isinstance(state, MemoryState):
            raise TypeError(
                f"expected the in-memory backend, got {type(walk.adapters.objects).__name__}"
            )
        expect_route = ("input", "chunking", INPUT_LAYOUT.prefix, INPUT_LAYOUT.suffix)
        routes = [(r.bucket, r.queue, r.prefix, r.suffix) for r in state.routes]
        if expect_route not in routes:
            raise WalkError(f"no route for source uploads to the chunking queue: {routes}")
        return "; ".join(f"s3://{b}/{p}*{s} -> {q}" for b, q, p, s in routes) + " (ObjectCreated)"

    steps: list[Step] = [
        ("select the in-memory backend", select_backend),
        ("create every table, queue and bucket in the schema", build_backend),
        ("route uploads as the schema's key layouts declare", show_routes),
        ("check every adapter against its interface", check_interfaces),
        *WALK_STEPS,
    ]
    with tempfile.TemporaryDirectory(prefix="stereo-spot-demo-") as work_dir:
        walk = Walk(out=out, work_dir=Path(work_dir), notification_wait=3.0)
        return run_steps(walk, steps, finally_step=("clean up what the walk created", clean_up))


def check_interfaces(walk: Walk) -> str:
    """Every adapter of the bundle satisfies the interface services are written against."""
    a = walk.adapters
    expected: list[tuple[object, type]] = [
        (a.jobs, interfaces.JobStore),
        (a.segment_completions, interfaces.SegmentCompletionStore),
        (a.reassembly_triggered, interfaces.ReassemblyLock),
        (a.objects, interfaces.ObjectStorage),
    ]
    for queue in ("chunking", "video_worker", "reassembly"):
        expected.append((getattr(a, f"{queue}_sender"), interfaces.QueueSender))
        expected.append((getattr(a, f"{queue}_receiver"), interfaces.QueueReceiver))
    wrong = [
        f"{type(adapter).__name__} is not a {protocol.__name__}"
        for adapter, protocol in expected
        if not isinstance(adapter, protocol)
    ]
    if wrong:
        raise TypeError("; ".join(wrong))
    return f"{len(expected)} adapters satisfy their interfaces ({type(a.jobs).__name__}, ...)"


def run_smoke(
    *,
    env_file: str,
    endpoint_url: str | None = None,
    region: str | None = None,
    notification_wait: float = 10.0,
    out: TextIO = sys.stdout,
) -> int:
    """Walk one job through an existing stack, then delete what the walk created."""

    def configure_environment(walk: Walk) -> str:
        # Only the variables the schema declares: a stray AWS_ENDPOINT_URL in the
        # file must not send signed requests somewhere else.
        # The optional resources' variables are declared too: set when the file has them.
        outputs = load_declared_outputs(
            env_file, (*env_config.VARIABLES, *env_config.OPTIONAL_VARIABLES)
        )
        os.environ.update(outputs.values)
        if endpoint_url:
            override_endpoints(endpoint_url)
        if region:
            os.environ["AWS_REGION"] = region
        os.environ[STORAGE_ADAPTER] = "aws"
        built = _build_adapters(walk, outputs.values, source=env_file)
        if outputs.ignored:
            built += f"; ignored (not declared by the schema): {', '.join(outputs.ignored)}"
        return built

    steps: list[Step] = [
        ("load the Terraform outputs and build every adapter", configure_environment),
        *WALK_STEPS,
    ]
    with tempfile.TemporaryDirectory(prefix="stereo-spot-smoke-") as work_dir:
        walk = Walk(out=out, work_dir=Path(work_dir), notification_wait=notification_wait)
        return run_steps(walk, steps, finally_step=("clean up what the walk created", clean_up))


def override_endpoints(endpoint_url: str) -> None:
    """Send every service's requests to ``endpoint_url``, whatever else is configured.

    The service-specific variables would win over ``AWS_ENDPOINT_URL``, and
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` would ignore both, so all are set.
    """
    os.environ.pop("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", None)
    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    for variable in ENDPOINT_VARIABLES.values():
        os.environ[variable] = endpoint_url


def endpoints_in_use() -> dict[str, str]:
    """The endpoint each shared client actually sends to, as botocore resolved it."""
    return {service: get_client(service).meta.endpoint_url for service in SERVICES}


def _build_adapters(walk: Walk, values: Mapping[str, str], *, source: str = "") -> str:
    env_config.check_environment()
    walk.build_adapters()
    origin = f" from {source}" if source else ""
    optional = sorted(v.name for v in env_config.OPTIONAL_VARIABLES if v.name in values)
    required = len(values) - len(optional)
    also = f" and {len(optional)} optional ({', '.join(optional)})" if optional else ""
    endpoints = ", ".join(f"{service} {url}" for service, url in endpoints_in_use().items())
    return (
        f"{required} variables{also}{origin}; check_environment() passed; "
        f"adapters built by adapters_from_env(); endpoints: {endpoints}"
    )
