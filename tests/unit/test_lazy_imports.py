"""Importing the packages, and building adapters, loads only what is used.

Each check runs in a fresh interpreter: other tests in this process have
already imported everything, so ``sys.modules`` here says nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import stereo_spot_aws_adapters
import stereo_spot_aws_adapters.generated
import stereo_spot_shared
from stereo_spot_shared import _checks
from stereo_spot_shared._lazy import LazyModule
from stereo_spot_shared.errors import ArgumentTypeError, InvalidArgumentError
from stereo_spot_shared.models import Job

_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/stereo-spot-{}"
ENVIRONMENT = {
    "JOBS_TABLE_NAME": "jobs",
    "SEGMENT_COMPLETIONS_TABLE_NAME": "segments",
    "REASSEMBLY_TRIGGERED_TABLE_NAME": "triggered",
    "CHUNKING_QUEUE_URL": _QUEUE.format("chunking"),
    "VIDEO_WORKER_QUEUE_URL": _QUEUE.format("video-worker"),
    "REASSEMBLY_QUEUE_URL": _QUEUE.format("reassembly"),
    "INPUT_BUCKET_NAME": "in",
    "OUTPUT_BUCKET_NAME": "out",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _loaded_after(code: str, prefixes: tuple[str, ...]) -> list[str]:
    """Run ``code`` in a fresh interpreter; the loaded modules starting with ``prefixes``."""
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", **ENVIRONMENT},
    )
    modules: list[str] = json.loads(result.stdout.splitlines()[-1])
    return [name for name in modules if name.startswith(prefixes)]


def test_building_every_adapter_from_the_environment_imports_no_pydantic() -> None:
    code = """
from stereo_spot_aws_adapters import env_config as e
e.check_environment()
e.job_store_from_env(); e.segment_completion_store_from_env(); e.reassembly_triggered_lock_from_env()
e.chunking_queue_sender_from_env(); e.chunking_queue_receiver_from_env()
e.object_storage_from_env()
"""
    assert _loaded_after(code, ("pydantic", "stereo_spot_shared.models")) == []


def test_the_first_model_read_imports_the_models() -> None:
    code = """
from stereo_spot_aws_adapters.generated.jobs import job_from_item
job = job_from_item({"job_id": {"S": "j"}, "mode": {"S": "sbs"}, "status": {"S": "created"}})
assert type(job).__name__ == "Job" and job.mode.value == "sbs"
"""
    loaded = _loaded_after(code, ("pydantic", "stereo_spot_shared.models"))
    assert "pydantic" in loaded and "stereo_spot_shared.models" in loaded


def test_a_factory_imports_only_its_own_adapter() -> None:
    loaded = _loaded_after(
        "from stereo_spot_aws_adapters import env_config as e\ne.job_store_from_env()",
        ("stereo_spot_aws_adapters.",),
    )
    assert "stereo_spot_aws_adapters.generated.jobs" in loaded
    assert "stereo_spot_aws_adapters.sqs" not in loaded
    assert "stereo_spot_aws_adapters.s3" not in loaded
    assert "stereo_spot_aws_adapters.generated.segment_completions" not in loaded


def test_importing_the_packages_imports_none_of_their_names_yet() -> None:
    loaded = _loaded_after(
        "import stereo_spot_shared, stereo_spot_aws_adapters, stereo_spot_aws_adapters.generated",
        ("pydantic", "boto3", "stereo_spot_shared.", "stereo_spot_aws_adapters."),
    )
    assert set(loaded) <= {"stereo_spot_shared._lazy", "stereo_spot_aws_adapters.generated"}


@pytest.mark.parametrize(
    "package", [stereo_spot_shared, stereo_spot_aws_adapters, stereo_spot_aws_adapters.generated]
)
def test_every_public_name_resolves_and_is_listed(package: object) -> None:
    public: list[str] = package.__all__  # type: ignore[attr-defined]
    for name in public:
        assert getattr(package, name) is not None, name
    assert set(public) <= set(dir(package))
    namespace: dict[str, object] = {}
    exec(f"from {package.__name__} import *", namespace)  # type: ignore[attr-defined]
    assert set(public) <= set(namespace)


def test_an_unknown_package_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Jobb'"):
        _ = stereo_spot_shared.Jobb  # type: ignore[attr-defined]
    assert not hasattr(stereo_spot_aws_adapters, "DynamoDBJobStor")


def test_a_lazy_name_is_the_object_its_module_defines() -> None:
    assert stereo_spot_shared.Job is Job
    assert stereo_spot_aws_adapters.BatchRetry is stereo_spot_aws_adapters._retry.BatchRetry
    assert stereo_spot_shared.__version__ == stereo_spot_shared._version.__version__


def test_a_lazy_module_imports_on_first_read_and_keeps_what_it_read() -> None:
    code = """
from stereo_spot_shared._lazy import LazyModule
lazy = LazyModule("decimal")
assert "decimal" not in sys.modules
assert not hasattr(lazy, "__wrapped__")  # probes for dunder names do not import
assert "decimal" not in sys.modules
import decimal
assert lazy.Decimal is decimal.Decimal and "Decimal" in vars(lazy)
"""
    assert _loaded_after(code, ("decimal",)) == ["decimal"]


def test_a_lazy_module_reports_a_missing_name() -> None:
    with pytest.raises(AttributeError):
        _ = LazyModule("stereo_spot_shared.models").NoSuchModel


def test_a_field_validator_can_name_its_model_through_a_function() -> None:
    looked_up: list[str] = []

    def model() -> type[Job]:
        looked_up.append("Job")
        return Job

    check = _checks.field_validator(model, "total_segments")
    assert looked_up == []  # nothing is resolved when the validator is made
    assert check(3) == 3
    with pytest.raises(InvalidArgumentError, match="total_segments for Job"):
        check(-1)
    with pytest.raises(ArgumentTypeError):
        check("3")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (-(10**38) + 1, "-" + "9" * 38),
        (10**38 - 1, "9" * 38),
        (10**38, "1" + "0" * 38),  # 39 digits, one significant: storable
        (-(10**40), "-1" + "0" * 40),
    ],
)
def test_numbers_at_the_38_digit_boundary_are_written_exactly(value: int, text: str) -> None:
    assert _checks.to_number("n", value) == text


@pytest.mark.parametrize("value", [10**38 + 1, -(10**38) - 1, 10**126])
def test_numbers_beyond_38_significant_digits_are_refused(value: int) -> None:
    with pytest.raises(InvalidArgumentError):
        _checks.to_number("n", value)
