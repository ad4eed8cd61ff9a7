"""Where moto departs from AWS: the only differences the lockstep machine accepts.

Each entry names the operation and the situation, what the AWS documentation
says happens (the memory backend does exactly that, and the machine checks it),
and the test that checks the documented behaviour on a real endpoint
(``STEREO_SPOT_TEST_ENDPOINT``). In such a situation the machine does not send
the operation to moto: it runs it on the memory backend only, asserts the
documented outcome, and counts it (``hypothesis.event``), so nothing is
skipped silently. Against a real endpoint the allow-list is not used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Departure:
    operation: str
    situation: str
    aws_documents: str
    moto_does: str
    checked_by: str


DEPARTURES: dict[tuple[str, str], Departure] = {
    (d.operation, d.situation): d
    for d in (
        Departure(
            operation="delete",
            situation="stale receipt handle",
            aws_documents=(
                "DeleteMessage with a receipt handle from an earlier receive of a message "
                "received again since: 'the request succeeds, but the message will not be "
                "deleted' (SQS Developer Guide, 'Amazon SQS visibility timeout' and "
                "DeleteMessage API reference: you must provide the most recently received "
                "receipt handle)"
            ),
            moto_does="deletes the message with any receipt handle it ever issued for it",
            checked_by=(
                "tests/conformance/test_conformance_departures.py::"
                "test_a_stale_receipt_handle_deletes_nothing (endpoint backend)"
            ),
        ),
        Departure(
            operation="delete_batch",
            situation="stale receipt handle",
            aws_documents="as for delete: the entry succeeds and the message is not deleted",
            moto_does="deletes the message with any receipt handle it ever issued for it",
            checked_by=(
                "tests/conformance/test_conformance_departures.py::"
                "test_a_stale_receipt_handle_deletes_nothing (endpoint backend)"
            ),
        ),
        Departure(
            operation="put",
            situation="an item of 405,001 to 409,600 bytes",
            aws_documents=(
                "The maximum item size in DynamoDB is 400 KB (409,600 bytes), counting "
                "attribute names and values (DynamoDB Developer Guide, 'Item sizes and "
                "formats'); both backends refuse larger items before any request"
            ),
            moto_does="refuses items over 405,000 bytes with ValidationException",
            checked_by=(
                "tests/conformance/test_conformance_departures.py::"
                "test_an_item_of_exactly_400_kb_is_stored (endpoint backend)"
            ),
        ),
    )
}
