"""Reassembly workers race for the lease; the winner builds final.mp4."""

from __future__ import annotations

import copy
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from stereo_spot_shared.errors import MalformedEventError
from stereo_spot_shared.generated.keys import build_final_key

from ...generated.queues import parse_reassembly_payload
from .media import FINAL_SIZE, MIB, SEGMENT_COUNT, ProgressLine, split_s3_uri
from .queue_visit import QueueVisit
from .runner import Walk, WalkError, expect

RACERS = 5


def receive_reassembly_message(walk: Walk) -> str:
    receiver = walk.adapters.reassembly_receiver
    with QueueVisit.open(walk, receiver, 20.0) as visit:
        deadline = time.monotonic() + 20.0
        while time.monotonic() < deadline:
            for message in receiver.receive(max_messages=10):
                try:
                    payload = parse_reassembly_payload(message.body)
                except MalformedEventError:
                    payload = None
                if payload is not None and payload.job_id == walk.job_id:
                    receiver.delete(message.receipt_handle)
                    return (
                        f"ReassemblyPayload(job_id={payload.job_id!r}) received and deleted"
                        f"{visit.summary()}"
                    )
                visit.hold(message)
    raise WalkError("the reassembly message never arrived")


def race_for_lease(walk: Walk) -> str:
    a = walk.adapters
    # Each worker its own lock object on the same table, as separate processes would have.
    locks = [copy.copy(a.reassembly_triggered) for _ in range(RACERS)]
    start = threading.Barrier(RACERS, timeout=30)

    def claim(index: int) -> bool:
        start.wait()
        return locks[index].try_acquire(walk.job_id, owner=f"reassembler-{index + 1}")

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(claim, range(RACERS)))
    winners = [index for index, won in enumerate(results) if won]
    expect(len(winners) == 1, f"{len(winners)} workers won the lease; exactly one must")
    walk.winner = locks[winners[0]]
    walk.winner_owner = f"reassembler-{winners[0] + 1}"
    return f"{RACERS} workers raced with their own lock objects; only {walk.winner_owner} won"


def assemble_final(walk: Walk) -> str:
    a = walk.adapters
    completions = a.segment_completions.query_by_job(walk.job_id)
    indexes = [c.segment_index for c in completions]
    expect(indexes == list(range(SEGMENT_COUNT)), f"query_by_job returned segments {indexes}")
    joined = b"".join(a.objects.download(*split_s3_uri(c.output_s3_uri)) for c in completions)
    expect(joined == walk.source, "the segments, joined in order, differ from the source")
    # Padded past the multipart threshold so upload_file goes in parts.
    walk.final_path = walk.work_dir / "final.mp4"
    walk.final_path.write_bytes(joined + random.Random(2).randbytes(FINAL_SIZE - len(joined)))
    walk.final_key = build_final_key(walk.job_id)
    parts_before = walk.counter.count("s3", "UploadPart")
    progress = ProgressLine(walk.out, "uploading final.mp4", FINAL_SIZE)
    walk.created_objects.append((a.output_bucket, walk.final_key))
    a.objects.upload_file(a.output_bucket, walk.final_key, walk.final_path, progress=progress)
    progress.finish()
    parts = walk.counter.count("s3", "UploadPart") - parts_before
    expect(progress.done == FINAL_SIZE, f"progress reported {progress.done} of {FINAL_SIZE} bytes")
    how = f"in {parts} parts" if a.backend == "aws" else f"to the {a.backend} backend"
    return (
        f"{walk.winner_owner} read {len(completions)} completions in order, joined them "
        f"(= the source), uploaded {FINAL_SIZE / MIB:.1f} MiB final.mp4 {how}"
    )


def complete_lease(walk: Walk) -> str:
    a = walk.adapters
    if walk.winner is None:
        raise WalkError("nobody holds the lease")
    done = walk.winner.complete(walk.job_id, owner=walk.winner_owner)
    expect(done, f"{walk.winner_owner} could not complete its lease")
    late = copy.copy(a.reassembly_triggered).try_acquire(walk.job_id, owner="late-reassembler")
    expect(not late, "a completed job was claimed again")
    return f"{walk.winner_owner} completed the lease; a late worker's try_acquire is False"
