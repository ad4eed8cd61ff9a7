"""A loopback HTTP server answering DynamoDB and SQS calls with canned JSON, instantly.

Both services speak the JSON protocol (``X-Amz-Target: <service>.<Operation>``),
and no operation name is shared between them, so one table of canned bodies
serves both. The SQS answers are one message per receive (``CANNED_MESSAGE``),
and success for deletes and visibility changes.

Run as ``python -m benchmarks._dynamo_stub --query-items N``; it prints its
port on the first line of stdout and serves until killed. It runs in its own
process so that the client's CPU time is the client's alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import sys
import threading

from benchmarks._samples import JOB_ID, sample_job, sample_segments
from stereo_spot_aws_adapters.generated.jobs import job_to_item
from stereo_spot_aws_adapters.generated.segment_completions import segment_completion_to_item

_TARGET_HEADER = b"x-amz-target"
_LENGTH_HEADER = b"content-length"


CANNED_MESSAGE_BODY = json.dumps({"job_id": JOB_ID, "segment_index": 7})
CANNED_MESSAGE = {
    "MessageId": "0f8e3c1a-0000-4c2e-9a61-000000000001",
    "ReceiptHandle": "AQEB-canned-receipt-handle",
    "MD5OfBody": hashlib.md5(CANNED_MESSAGE_BODY.encode()).hexdigest(),
    "Body": CANNED_MESSAGE_BODY,
    "Attributes": {"ApproximateReceiveCount": "1"},
}


def canned_responses(query_items: int) -> dict[bytes, bytes]:
    """Response bodies by operation name (the part of ``X-Amz-Target`` after the dot)."""
    items = [segment_completion_to_item(s) for s in sample_segments(query_items, job_id=JOB_ID)]
    bodies = {
        b"PutItem": {},
        b"GetItem": {"Item": job_to_item(sample_job())},
        b"Query": {"Items": items, "Count": len(items), "ScannedCount": len(items)},
        # The lease pattern's conditional writes return the new fencing token (ALL_NEW/UPDATED_NEW).
        b"UpdateItem": {"Attributes": {"lease_token": {"N": "1"}}},
        b"ReceiveMessage": {"Messages": [CANNED_MESSAGE]},
        b"DeleteMessage": {},
        b"DeleteMessageBatch": {"Successful": [{"Id": "0"}], "Failed": []},
        b"ChangeMessageVisibility": {},
    }
    return {name: json.dumps(body).encode() for name, body in bodies.items()}


def _response(body: bytes) -> bytes:
    # One buffer, one write: with Nagle and delayed ACKs, a split response stalls 40 ms.
    # No x-amz-crc32 header: botocore checks the checksum only when it is present.
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        "x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def _serve_connection(conn: socket.socket, responses: dict[bytes, bytes]) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    prepared = {name: _response(body) for name, body in responses.items()}
    unknown = _response(b'{"__type":"com.amazon.coral.validate#ValidationException"}').replace(
        b"200 OK", b"400 Bad Request", 1
    )
    buffer = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            headers = {}
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(_LENGTH_HEADER, b"0"))
            while len(buffer) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            buffer = buffer[length:]
            operation = headers.get(_TARGET_HEADER, b"").rpartition(b".")[2]
            conn.sendall(prepared.get(operation, unknown))


def serve(query_items: int) -> None:
    responses = canned_responses(query_items)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_serve_connection, args=(conn, responses), daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--query-items", type=int, default=25)
    args = parser.parse_args(argv)
    try:
        serve(args.query_items)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
