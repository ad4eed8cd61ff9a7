"""The library a service imports stays apart from the developer tools (``devtools``).

Importing the library's public modules must load neither
``stereo_spot_aws_adapters.devtools`` (the demo, smoke, walk, provisioning, the
dlq tool) nor moto; the two old paths of the tools that the README once named keep
working for one release, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import stereo_spot_aws_adapters

PACKAGE = Path(stereo_spot_aws_adapters.__file__).parent

# Everything a service imports: the package, its configuration from the
# environment, the queue and storage adapters, every generated module, the errors,
# and the backend selection that finds the aws backend through its entry point.
IMPORT_THE_LIBRARY = """
import importlib, json, pkgutil, sys
import stereo_spot_aws_adapters
import stereo_spot_aws_adapters.generated as generated
for module in (
    "stereo_spot_aws_adapters.env_config",
    "stereo_spot_aws_adapters.sqs",
    "stereo_spot_aws_adapters.s3",
    "stereo_spot_shared.errors",
    "stereo_spot_shared.backends",
):
    importlib.import_module(module)
for info in pkgutil.iter_modules(generated.__path__, "stereo_spot_aws_adapters.generated."):
    importlib.import_module(info.name)
from stereo_spot_shared.backends import installed_backends
backends = sorted(installed_backends())
stereo_spot_aws_adapters.DynamoDBJobStore, stereo_spot_aws_adapters.SQSQueueSender
print(json.dumps({
    "backends": backends,
    "generated": sorted(m for m in sys.modules if m.startswith("stereo_spot_aws_adapters.generated.")),
    "devtools": sorted(m for m in sys.modules if m.startswith("stereo_spot_aws_adapters.devtools")),
    "moto": sorted(m for m in sys.modules if m.split(".")[0] in ("moto", "werkzeug", "flask")),
}))
"""

# Old paths the README once named (``provision()``, ``EmbeddedMotoServer``): thin re-exports.
DEPRECATED_PATHS = {
    "stereo_spot_aws_adapters.provision": (
        "stereo_spot_aws_adapters.devtools.provision",
        ["EmulatorLimitationWarning", "provision", "resource_name", "teardown"],
    ),
    "stereo_spot_aws_adapters.embedded": (
        "stereo_spot_aws_adapters.devtools.embedded",
        ["DEMO_INSTALL_HINT", "EmbeddedMotoServer", "MotoNotInstalledError"],
    ),
}


def test_importing_the_library_loads_neither_the_devtools_nor_moto() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_THE_LIBRARY],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert "aws" in facts["backends"]
    assert "stereo_spot_aws_adapters.generated.jobs" in facts["generated"]
    assert facts["devtools"] == []
    assert facts["moto"] == []


def test_no_library_module_imports_the_devtools() -> None:
    # Lazy imports inside functions too: only the entry point and the deprecated
    # re-exports may reach into devtools.
    allowed = {"__main__.py", *(f"{path.rsplit('.', 1)[1]}.py" for path in DEPRECATED_PATHS)}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "devtools" or str(relative) in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(alias.name for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any("devtools" in name.split(".") for name in names):
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("old", sorted(DEPRECATED_PATHS))
def test_the_old_path_warns_and_re_exports_the_devtools_module(old: str) -> None:
    new, names = DEPRECATED_PATHS[old]
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)

    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert messages == [f"{old} is deprecated; import from {new}"]
    current = importlib.import_module(new)
    assert sorted(module.__all__) == names
    for name in names:
        assert getattr(module, name) is getattr(current, name), name
