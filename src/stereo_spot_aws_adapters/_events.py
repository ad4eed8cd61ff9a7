"""Runtime behind the generated S3-event parsers: events only from the routed buckets."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from stereo_spot_shared.s3_events import S3ObjectRef, check_event_buckets, parse_s3_event

from ._env import EnvVariable, require_env


def parse_routed_event(
    body: str | bytes,
    queue: str,
    routed: Sequence[EnvVariable],
    buckets: Collection[str] | None,
) -> list[S3ObjectRef]:
    """Parse an S3 notification; each object must be in a bucket routed to ``queue``.

    The routed buckets are ``buckets`` when given, else the values of the
    ``routed`` variables (``$INPUT_BUCKET_NAME``), read only when the event
    names an object, so a test event needs no configuration.
    """
    refs = parse_s3_event(body)
    if not refs:
        return refs
    allowed = buckets if buckets is not None else {require_env(v) for v in routed}
    return check_event_buckets(refs, allowed, queue)


__all__ = ["parse_routed_event"]
