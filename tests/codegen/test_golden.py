"""Golden records: each case's schema generates exactly its committed ``expected/`` tree.

The generated code must also pass ``mypy --strict``, and the ``library`` case
(a schema unrelated to stereo-spot) must work against moto. After an intended
generator change, run ``python -m tests.golden.regenerate`` and review the diff.
"""

from __future__ import annotations

import difflib
import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from codegen.cli import generate, main
from codegen.model.schema_file import load_schema
from stereo_spot_shared.errors import (
    InvalidKeyError,
    InvalidPageTokenError,
    InvalidTransitionError,
    ItemNotFoundError,
    MalformedEventError,
    MissingConfigurationError,
    NotFoundError,
    UnexpectedBucketError,
)
from tests.golden.regenerate import GOLDEN, cases, expected_dir, read_tree, schema_path

ROOT = Path(__file__).resolve().parents[2]
LIBRARY_SCHEMA = schema_path("library")
LIBRARY_MODELS = GOLDEN / "library" / "models"
REGENERATE_HINT = "if the change is intended, run `python -m tests.golden.regenerate`"


def write_case(case: str, out: Path) -> Path:
    """Generate ``case`` into ``out`` through the CLI; returns ``out``."""
    assert (
        main(["--schema", str(schema_path(case)), "--out", str(out), "--infra", str(out / "infra")])
        == 0
    )
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every case generated once into its own temporary source root."""
    return {case: write_case(case, tmp_path_factory.mktemp(f"golden-{case}")) for case in cases()}


@pytest.mark.parametrize("case", cases())
def test_generated_tree_matches_expected(case: str, generated: dict[str, Path]) -> None:
    actual = read_tree(generated[case])
    expected = read_tree(expected_dir(case))
    missing = sorted(map(str, expected.keys() - actual.keys()))
    extra = sorted(map(str, actual.keys() - expected.keys()))
    assert not missing and not extra, (
        f"{case}: files expected but not generated: {missing}; generated but not expected: "
        f"{extra}; {REGENERATE_HINT}"
    )
    diffs = [
        "".join(
            difflib.unified_diff(
                expected[path].splitlines(keepends=True),
                actual[path].splitlines(keepends=True),
                fromfile=f"expected/{path}",
                tofile=f"generated/{path}",
            )
        )
        for path in sorted(expected)
        if expected[path] != actual[path]
    ]
    assert not diffs, (
        f"{case}: generated code differs from the golden record; {REGENERATE_HINT}\n"
        + ("\n".join(diffs))
    )


@pytest.mark.parametrize("case", cases())
def test_generated_code_passes_mypy_strict(
    case: str, generated: dict[str, Path], tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    schema = load_schema(schema_path(case))
    root = tmp_path / "root"
    shutil.copytree(generated[case], root)
    sources = sorted(str(path.relative_to(root)) for path in root.rglob("*.py"))
    cache = getattr(pytestconfig, "cache", None)
    cache_dir = cache.mkdir("golden-mypy") if cache is not None else tmp_path / "mypy-cache"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            # A shared package may hold only generated/ (library_shared): a namespace
            # package, named from the source root rather than from __init__ files.
            "--explicit-package-bases",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(cache_dir),
            *sources,
        ],
        cwd=root,
        env={**os.environ, "MYPYPATH": str(schema.generator.python_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        f"mypy --strict failed on {case}:\n{result.stdout}{result.stderr}"
    )
    assert f"no issues found in {len(sources)} source files" in result.stdout, result.stdout


@pytest.mark.parametrize("case", cases())
def test_rendering_is_deterministic(case: str, generated: dict[str, Path], tmp_path: Path) -> None:
    again = generate(schema_path(case), tmp_path, infra_dir=tmp_path / "infra").files
    assert not any(tmp_path.iterdir()), "generate() is pure: it writes nothing"
    assert {path.relative_to(tmp_path): text for path, text in again.items()} == read_tree(
        generated[case]
    )


def test_committed_source_tree_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["--check"]) == 0


# --- check and write on a scratch copy of the library schema ------------------------


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the library schema in ``<tmp>/schema``; the cwd is ``<tmp>``, output goes to ``out``."""
    text = LIBRARY_SCHEMA.read_text(encoding="utf-8")
    text = text.replace(
        'python_path = "../models"', f"python_path = {json.dumps(str(LIBRARY_MODELS))}"
    )
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "library.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> int:
    return main(["--schema", "schema/library.toml", "--out", "out", *args])


def test_check_reports_edited_missing_and_stale_files(
    scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = scratch / "out" / "library_adapters"
    assert run() == 0
    assert run("--check") == 0
    books, loans, holds = (package / "generated" / f"{n}.py" for n in ("books", "loans", "holds"))
    pristine_books = books.read_text(encoding="utf-8")
    books.write_text(pristine_books.replace("lowest", "highest"), encoding="utf-8")
    loans.unlink()
    # A generated module whose resource left the schema keeps its header: it is stale.
    shutil.copy(holds, package / "generated" / "reservations.py")
    handwritten = package / "extras.py"
    handwritten.write_text(
        '"""Hand-written: not the generator\'s to delete."""\n', encoding="utf-8"
    )
    capsys.readouterr()

    assert run("--check") == 1
    captured = capsys.readouterr()
    assert "--- a/out/library_adapters/generated/books.py" in captured.out
    assert (
        '+        """One page of index ``author-published_year``, lowest published_year first.'
        in (captured.out)
    )
    assert "--- /dev/null\n+++ b/out/library_adapters/generated/loans.py" in captured.out
    assert "--- a/out/library_adapters/generated/reservations.py\n+++ /dev/null" in captured.out
    assert "extras.py" not in captured.out
    assert "2 generated file(s) differ and 1 are stale" in captured.err
    assert not (package / "generated" / "loans.py").exists(), "--check writes nothing"

    assert run() == 0
    assert "deleted out/library_adapters/generated/reservations.py" in capsys.readouterr().out
    assert not (package / "generated" / "reservations.py").exists()
    assert books.read_text(encoding="utf-8") == pristine_books
    assert loans.exists()
    assert handwritten.exists()
    assert run("--check") == 0


def test_stale_files_are_found_in_every_output_package(
    scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = scratch / "out" / "library_shared" / "generated"
    assert run() == 0
    assert (shared / "keys.py").exists()
    # A module the generator once wrote into the shared package (its header says so).
    shutil.copy(shared / "keys.py", shared / "memory.py")
    capsys.readouterr()
    assert run("--check") == 1
    assert "--- a/out/library_shared/generated/memory.py\n+++ /dev/null" in capsys.readouterr().out
    assert run() == 0
    assert "deleted out/library_shared/generated/memory.py" in capsys.readouterr().out
    assert not (shared / "memory.py").exists()
    assert run("--check") == 0


def test_removing_a_table_deletes_its_module(scratch: Path) -> None:
    package = scratch / "out" / "library_adapters"
    assert run() == 0
    assert (package / "generated" / "holds.py").exists()

    schema = scratch / "schema" / "library.toml"
    kept: list[str] = []
    in_holds = False
    for line in schema.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("["):
            header = line.strip("[]\n")
            in_holds = header == "tables.holds" or header.startswith("tables.holds.")
        # Consumers that use the table stop naming it, as an author removing it would.
        if not in_holds and not line.startswith("holds = "):
            kept.append(line)
    schema.write_text("".join(kept), encoding="utf-8")

    assert run("--check") == 1
    assert run() == 0
    assert not (package / "generated" / "holds.py").exists()
    assert "HoldRegister" not in (package / "env_config.py").read_text(encoding="utf-8")
    assert "HoldRegister" not in (package / "generated" / "__init__.py").read_text(encoding="utf-8")
    assert run("--check") == 0


# --- the library case, imported and run on moto -------------------------------------


@pytest.fixture(scope="module")
def library(generated: dict[str, Path]) -> Iterator[dict[str, ModuleType]]:
    """The generated ``library_adapters`` package, importable for this module only."""
    paths = [str(generated["library"]), str(LIBRARY_MODELS)]
    before = set(sys.modules)
    sys.path[:0] = paths
    try:
        yield {
            name: importlib.import_module(f"library_adapters.{name}")
            for name in ("env_config", "generated.resources", "generated.queues")
        } | {
            "package": importlib.import_module("library_adapters"),
            "models": importlib.import_module("library_models"),
            "memory": importlib.import_module("library_shared.generated.memory_backend"),
            "keys": importlib.import_module("library_shared.generated"),
        }
    finally:
        for path in paths:
            sys.path.remove(path)
        for name in set(sys.modules) - before:
            if name.startswith(("library_adapters", "library_models", "library_shared")):
                del sys.modules[name]


@pytest.fixture
def tables(library: dict[str, ModuleType], aws: None) -> dict[str, str]:
    """Every table of the schema, created on moto from the generated ``TABLES``."""
    client = boto3.client("dynamodb")
    names: dict[str, str] = {}
    for table in library["generated.resources"].TABLES:
        names[table.name] = f"test-{table.name}"
        client.create_table(**table.create_table_request(names[table.name]))
    return names


def test_library_resources_describe_the_schema(library: dict[str, ModuleType]) -> None:
    resources = library["generated.resources"]
    assert [t.name for t in resources.TABLES] == ["books", "loans", "holds", "shelf_audits"]
    assert resources.TABLES[3].ttl_attribute == "expires_at"
    books = resources.TABLES[0]
    (index,) = books.indexes
    assert (index.name, index.projection, index.non_key_attributes) == (
        "author-published_year",
        "INCLUDE",
        ("title",),
    )
    assert [(q.name, q.env_var) for q in resources.QUEUES] == [
        ("holds_ready", "HOLDS_READY_QUEUE_URL"),
        ("returns", "RETURNS_QUEUE_URL"),
    ]
    assert [(b.name, b.env_var) for b in resources.BUCKETS] == [("covers", "LIBRARY_COVERS_BUCKET")]


def book(models: ModuleType, isbn: str, author: str, year: int, **extra: Any) -> Any:
    return models.Book(
        isbn=isbn,
        title=f"Title {isbn}",
        author=author,
        published_year=year,
        genre="fiction",
        **extra,
    )


def test_books_get_put_update_delete(
    library: dict[str, ModuleType], tables: dict[str, str]
) -> None:
    models = library["models"]
    catalog = library["package"].BookCatalog(tables["books"])
    dispossessed = book(models, "0060512751", "Le Guin", 1974, copies=2, cover_thumbnail=b"\x89PNG")
    catalog.put(dispossessed)
    assert catalog.get("0060512751") == dispossessed
    assert catalog.get("0000000000") is None

    catalog.restock("0060512751", copies=5, genre="science")
    updated = catalog.get("0060512751")
    assert (updated.copies, updated.genre) == (5, models.Genre.SCIENCE)
    assert updated.cover_thumbnail == b"\x89PNG"
    with pytest.raises(ValueError, match="copies"):
        catalog.restock("0060512751", copies=-1)
    with pytest.raises(NotFoundError):
        catalog.restock("0000000000", copies=1)
    assert catalog.get("0000000000") is None, "a failed update writes nothing"

    catalog.withdraw("0060512751")
    catalog.withdraw("0060512751")
    assert catalog.get("0060512751") is None


def test_books_by_author_pages_with_a_json_token(
    library: dict[str, ModuleType], tables: dict[str, str]
) -> None:
    models = library["models"]
    catalog = library["package"].BookCatalog(tables["books"])
    years = [1974, 1968, 1971, 1969, 1972]
    for number, year in enumerate(years):
        catalog.put(book(models, f"978000000{number}", "Le Guin", year))
    catalog.put(book(models, "9780000009", "Butler", 1979))

    seen: list[Any] = []
    token = None
    for _ in range(10):
        page, token = catalog.by_author("Le Guin", 2, token)
        seen += page
        assert len(page) <= 2
        if token is None:
            break
        token = json.loads(json.dumps(token))
    assert [s.published_year for s in seen] == sorted(years)
    assert all(isinstance(s, models.BookSummary) for s in seen)
    assert {s.title for s in seen} == {f"Title 978000000{n}" for n in range(5)}

    _, first_token = catalog.by_author("Le Guin", 1)
    with pytest.raises(InvalidPageTokenError):
        catalog.by_author("Butler", 1, first_token)
    with pytest.raises(InvalidPageTokenError):
        catalog.by_author("Le Guin", 1, {"author": "Le Guin"})


def test_loans_batch_put_and_query_partition(
    library: dict[str, ModuleType], tables: dict[str, str]
) -> None:
    models = library["models"]
    ledger = library["package"].LoanLedger(tables["loans"])
    loans = [
        models.Loan(member_id="m-1", loan_number=n, isbn="0060512751", state="out", due_at=1000 + n)
        for n in range(1, 31)
    ]
    ledger.record_many(loans)
    ledger.record(
        models.Loan(member_id="m-2", loan_number=1, isbn="0060512751", state="out", due_at=5)
    )

    history = ledger.history("m-1")
    assert [loan.loan_number for loan in history] == list(range(30, 0, -1))
    assert history[-1] == loans[0]

    ledger.mark("m-1", 3, state="returned", returned_at=2000)
    returned = next(loan for loan in ledger.history("m-1") if loan.loan_number == 3)
    assert (returned.state, returned.returned_at) == (models.LoanState.RETURNED, 2000)
    with pytest.raises(ItemNotFoundError):
        ledger.mark("m-1", 99, state="lost")
    assert len(ledger.history("m-2")) == 1

    # The lifecycle on a table with a range key: returned is final.
    with pytest.raises(InvalidTransitionError) as refused:
        ledger.mark("m-1", 3, state="lost")
    assert refused.value.job_id == {"member_id": "m-1", "loan_number": 3}
    assert (refused.value.current, refused.value.requested) == ("returned", "lost")
    ledger.mark("m-1", 3, state="returned")  # re-setting is fine

    # delete_partition on a range-key table: every page, nothing of other members.
    assert ledger.forget_member("m-1") == 30
    assert ledger.history("m-1") == [] and len(ledger.history("m-2")) == 1


def test_holds_create_once_and_lease(
    library: dict[str, ModuleType], tables: dict[str, str]
) -> None:
    register = library["package"].HoldRegister(tables["holds"], owner_id="clerk-a")
    assert register.try_fetch("copy-1") is False, "a lease needs an existing hold"
    assert register.try_place("copy-1") is True
    assert register.try_place("copy-1") is False
    assert register.try_fetch("copy-1") is True
    assert register.try_fetch("copy-1", owner="clerk-b") is False
    assert register.release("copy-1") is True
    assert register.try_fetch("copy-1", owner="clerk-b") is True


def test_a_lock_table_with_a_numeric_key_takes_ints(
    library: dict[str, ModuleType], tables: dict[str, str]
) -> None:
    audits = library["package"].ShelfAuditLock(tables["shelf_audits"], owner_id="auditor-a")
    audits.clock = lambda: 1000
    assert audits.try_request(7, ttl_seconds=60) is True
    assert audits.try_request(7, ttl_seconds=60) is False
    assert audits.try_acquire(7) is True
    assert audits.try_acquire(7, owner="auditor-b") is False
    item = boto3.client("dynamodb").get_item(
        TableName=tables["shelf_audits"], Key={"shelf_number": {"N": "7"}}
    )["Item"]
    assert item["expires_at"] == {"N": "1060"} and item["auditor"] == {"S": "auditor-a"}
    with pytest.raises(TypeError, match="shelf_number must be an int"):
        audits.try_acquire("7")


def test_queue_payloads_and_events(
    library: dict[str, ModuleType], aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_config, queues, models = (
        library["env_config"],
        library["generated.queues"],
        library["models"],
    )
    url = boto3.client("sqs").create_queue(QueueName="holds-ready")["QueueUrl"]
    monkeypatch.setenv("HOLDS_READY_QUEUE_URL", url)
    env_config.holds_ready_queue_sender_from_env().send_payload(
        models.HoldReady(isbn="0060512751", member_id="m-1")
    )
    receiver = env_config.holds_ready_queue_receiver_from_env()
    assert receiver.wait_time_seconds == 5
    (message,) = receiver.receive()
    assert queues.parse_holds_ready_payload(message.body) == models.HoldReady(
        isbn="0060512751", member_id="m-1"
    )
    with pytest.raises(MalformedEventError):
        queues.parse_holds_ready_payload('{"isbn": "0060512751"}')

    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": "slips"},
                    "object": {"key": "returns/slip+1.pdf", "size": 7},
                },
            }
        ]
    }
    # The returns queue carries events of the covers bucket (the schema's only bucket).
    monkeypatch.setenv("LIBRARY_COVERS_BUCKET", "slips")
    (ref,) = queues.parse_returns_event(json.dumps(event))
    assert (ref.bucket, ref.key, ref.size) == ("slips", "returns/slip 1.pdf", 7)
    monkeypatch.setenv("LIBRARY_COVERS_BUCKET", "covers")
    with pytest.raises(UnexpectedBucketError, match="s3://slips/returns/slip 1.pdf"):
        queues.parse_returns_event(json.dumps(event))


def test_env_config_factories(
    library: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    env_config, package = library["env_config"], library["package"]
    for variable in env_config.VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    with pytest.raises(MissingConfigurationError) as missing:
        env_config.loan_ledger_from_env()
    assert isinstance(missing.value, KeyError)
    assert missing.value.variables == ("LIBRARY_LOANS_TABLE",)
    assert "loans_table_name" in str(missing.value)
    with pytest.raises(MissingConfigurationError) as all_missing:
        env_config.check_environment()
    assert len(all_missing.value.variables) == 7

    monkeypatch.setenv("LIBRARY_LOANS_TABLE", "loans-prod")
    monkeypatch.setenv("BOOKS_TABLE_NAME", "books-prod")
    monkeypatch.setenv("LIBRARY_COVERS_BUCKET", "covers-prod")
    ledger = env_config.loan_ledger_from_env()
    assert type(ledger) is package.LoanLedger
    assert ledger.table_name == "loans-prod"
    assert env_config.book_catalog_from_env().table_name == "books-prod"
    assert env_config.covers_bucket_name() == "covers-prod"
    env_config.check_environment(["LIBRARY_LOANS_TABLE", "BOOKS_TABLE_NAME"])


def test_library_memory_backend_keeps_the_same_guarantees(library: dict[str, ModuleType]) -> None:
    """The unrelated schema's in-memory backend: generated from the same model, same behaviour."""
    models = library["models"]
    bundle = library["memory"].build_adapters(wait_time_seconds=0, clock=lambda: 1000.0)
    assert bundle.covers_bucket == "covers"

    catalog = bundle.books
    catalog.put(book(models, "0060512751", "Le Guin", 1974, copies=2, cover_thumbnail=b"\x89PNG"))
    catalog.restock("0060512751", copies=5, genre="science")
    assert (catalog.get("0060512751").copies, catalog.get("0060512751").cover_thumbnail) == (
        5,
        b"\x89PNG",
    )
    with pytest.raises(NotFoundError):
        catalog.restock("0000000000", copies=1)
    for number, year in enumerate([1968, 1971, 1969]):
        catalog.put(book(models, f"978000000{number}", "Le Guin", year))
    seen, token = [], None
    while True:
        page, token = catalog.by_author("Le Guin", 2, token)
        seen += [item.published_year for item in page]
        if token is None:
            break
        token = json.loads(json.dumps(token))
    assert seen == [1968, 1969, 1971, 1974]
    _, first_token = catalog.by_author("Le Guin", 1)
    with pytest.raises(InvalidPageTokenError):
        catalog.by_author("Butler", 1, first_token)
    catalog.withdraw("0060512751")
    assert catalog.get("0060512751") is None

    ledger = bundle.loans
    ledger.record_many(
        [
            models.Loan(member_id="m-1", loan_number=n, isbn="0060512751", state="out", due_at=n)
            for n in range(1, 31)
        ]
    )
    assert [loan.loan_number for loan in ledger.history("m-1")] == list(range(30, 0, -1))
    with pytest.raises(ItemNotFoundError):
        ledger.mark("m-1", 99, state="lost")

    holds = bundle.holds
    assert holds.try_fetch("copy-1") is False
    assert holds.try_place("copy-1") is True
    assert holds.try_place("copy-1") is False
    assert holds.try_fetch("copy-1", owner="clerk-a") is True
    assert holds.try_fetch("copy-1", owner="clerk-b") is False
    audits = bundle.shelf_audits
    assert audits.try_request(7, ttl_seconds=60) is True
    with pytest.raises(TypeError, match="shelf_number must be an int"):
        audits.try_acquire("7")

    bundle.holds_ready_sender.send(
        models.HoldReady(isbn="0060512751", member_id="m-1").model_dump_json()
    )
    (message,) = bundle.holds_ready_receiver.receive()
    assert library["generated.queues"].parse_holds_ready_payload(message.body).member_id == "m-1"


def test_library_key_layouts(library: dict[str, ModuleType]) -> None:
    keys, models = library["keys"], library["models"]
    assert [layout.name for layout in keys.LAYOUTS] == ["cover", "return_slip", "hold_notice"]
    assert keys.build_cover_key("0060512751") == "covers/0060512751.jpg"
    assert keys.parse_cover_key("covers/0060512751.jpg") == "0060512751"
    assert keys.parse_cover_key("covers/a/b.jpg") is None

    slip = keys.build_return_slip_key("m-1", 7)
    assert slip == "returns/m-1/007-slip.pdf"
    assert keys.parse_return_slip_key(slip) == keys.ReturnSlipKey("m-1", 7)
    assert keys.parse_return_slip_key("returns/m-1/0007-slip.pdf") is None
    assert (keys.RETURN_SLIP_LAYOUT.prefix, keys.RETURN_SLIP_LAYOUT.suffix) == (
        "returns/",
        "-slip.pdf",
    )
    assert keys.RETURN_SLIP_LAYOUT.notify_queue == "returns"

    notice = keys.build_hold_notice_key("m-1", "0060512751")
    assert keys.parse_hold_notice_key(notice) == models.HoldReady(
        isbn="0060512751", member_id="m-1"
    )
    # The model's own rules hold for keys too: an ISBN has at least ten characters.
    assert keys.parse_hold_notice_key("notices/m-1/123.txt") is None
    with pytest.raises(InvalidKeyError):
        keys.build_hold_notice_key("m-1", "123")
