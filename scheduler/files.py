"""Writing files so that a crash never leaves half of one: a temp file in the same folder, then
``os.replace``. Shared by the command line (plans, schools) and the calendar feed writer."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def new_file_mode() -> int:
    """The mode ``open`` would give a new file (0o666 less the umask); mkstemp's 0o600 would hide it."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def file_mode(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual ones."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return new_file_mode()


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` whole or not at all (``mode`` defaults to ``file_mode(path)``)."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), file_mode(path) if mode is None else mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
