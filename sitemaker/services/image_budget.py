"""Budgets on the work an upload may cause, settled before a single pixel is decoded.

A few bytes of image can claim tens of megapixels (a flat lossless WebP of 49 MP is 38 bytes)
and cost seconds of CPU and a gigabyte of memory to decode and re-encode. So the image headers
of every file in a request are read first (Pillow reads the size without decoding), and the
request is refused, cheaply, when it has too many files, when one file or the request as a
whole claims too many pixels (frames counted), or when the member has spent their upload
allowance for now (files and megapixels, counted in the rate limiter's storage so every
process on the host, or every server with Redis, shares the count). What is left is decoded
while holding one of a few decode slots per host (MEDIA_DECODE_SLOTS): a request that finds
them all taken is answered 503 at once instead of waiting, so uploads can never take every
worker away from visitors, and at most that many decodes' memory is in use at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Protocol

import limits
from flask import current_app
from PIL import Image

from .media import IMAGE_TYPES, UploadError, clean_name


class Upload(Protocol):
    filename: str | None
    stream: IO[bytes]


def claimed_pixels(stream: IO[bytes]) -> int:
    """Width x height x frames from the image's headers, without decoding; 0 for a file that
    is not an image Pillow recognises (media.prepare refuses or accepts it on its own)."""
    start = stream.tell()
    try:
        with Image.open(stream, formats=list(IMAGE_TYPES)) as image:
            return image.width * image.height * max(1, getattr(image, "n_frames", 1))
    except Exception:  # any unreadable header: not ours to judge here
        return 0
    finally:
        stream.seek(start)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f} megapixels"


def check_count(uploads: Sequence[Upload]) -> None:
    most_files = int(current_app.config["MEDIA_FILES_PER_REQUEST"])
    if len(uploads) > most_files:
        raise UploadError(f"Send at most {most_files} files at a time.", 413)


def check_pixels(uploads: Sequence[Upload]) -> int:
    """Refuse a request whose files claim too many pixels; returns the pixels claimed."""
    config = current_app.config
    per_file, per_request = int(config["MEDIA_MAX_PIXELS"]), int(config["MEDIA_REQUEST_PIXELS"])
    total, read = 0, 0
    for upload in uploads:
        read += 1
        pixels = claimed_pixels(upload.stream)
        if pixels > per_file:
            raise UploadError(
                f"{_name(upload)} has {_megapixels(pixels)} (frames counted); the limit per "
                f"file is {_megapixels(per_file)}.",
                413,
            )
        total += pixels
        if total > per_request:  # stop reading headers: the answer is known
            break
    if total > per_request:
        at_least = "at least " if read < len(uploads) else ""
        raise UploadError(
            f"These images have {at_least}{_megapixels(total)} together; send at most "
            f"{_megapixels(per_request)} at a time.",
            413,
        )
    return total


def _name(upload: Upload) -> str:
    return clean_name(upload.filename)


def spend_allowance(member_key: str, what: str, cost: int) -> None:
    """Count `cost` files or megapixels against the member's allowance, or refuse (429)."""
    from ..extensions import limiter

    config = current_app.config
    text = config["MEDIA_UPLOADS_PER_MEMBER" if what == "files" else "MEDIA_PIXELS_PER_MEMBER"]
    try:
        strategy = limiter.limiter
        for item in limits.parse_many(text) if cost > 0 else []:
            if not strategy.hit(item, "upload", member_key, what, cost=cost):
                raise UploadError(
                    f"You have uploaded as much as allowed for now (at most {item.amount} "
                    f"{what} per {_window(item)}); try again later.",
                    429,
                )
    except UploadError:
        raise
    except Exception as error:  # the limiter's storage is down: fail open, as the limiter does
        if not config.get("RATELIMIT_SWALLOW_ERRORS"):
            raise
        current_app.logger.warning("upload allowance not counted: %s", error)


def _window(item: limits.RateLimitItem) -> str:
    name = item.GRANULARITY.name
    return name if item.multiples == 1 else f"{item.multiples} {name}s"


def _slot_paths() -> list[str]:
    config = current_app.config
    slots = max(1, int(config["MEDIA_DECODE_SLOTS"] or (os.cpu_count() or 2) // 2))
    folder = config.get("MEDIA_DECODE_LOCK_DIR")
    if not folder:
        shm = "/dev/shm"  # noqa: S108 (files opened without following links, 0600)
        folder = shm if os.path.isdir(shm) else tempfile.gettempdir()
    # One set of slots per installation on this host (named after its database, like the
    # site-version board), so two test runs or two sites on one machine do not share them.
    scope = hashlib.sha256(str(config["SQLALCHEMY_DATABASE_URI"]).encode()).hexdigest()[:16]
    return [os.path.join(folder, f"sitemaker-decode-{scope}-{n}") for n in range(slots)]


@contextmanager
def decode_slot() -> Iterator[None]:
    """Hold one of the host's decode slots, or raise UploadError(503) at once if all are busy.
    flock is released by the kernel if the process dies, so a slot is never lost."""
    for path in _slot_paths():
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    raise UploadError("The server is busy with other images right now; try again in a moment.", 503)


@contextmanager
def within_budget(uploads: Sequence[Upload], member_key: str) -> Iterator[None]:
    """Spend the member's allowance, check the request, and hold a decode slot while the body
    of the `with` decodes; raises UploadError (413, 429 or 503) instead."""
    check_count(uploads)
    # Every file sent counts, refused or not: reading headers is cheap, not free.
    spend_allowance(member_key, "files", len(uploads))
    pixels = check_pixels(uploads)
    if pixels == 0:  # PDFs and files prepare() will refuse: nothing to decode
        yield
        return
    # The slot before the pixels: a request turned away because the host is busy does not
    # spend the member's megapixels.
    with decode_slot():
        spend_allowance(member_key, "megapixels", math.ceil(pixels / 1_000_000))
        yield
