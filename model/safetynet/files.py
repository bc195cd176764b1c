"""Writing output files all-or-nothing: temporary names in the target folder, then renamed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def written_atomically(targets: Mapping[str, Path]) -> Iterator[dict[str, Path]]:
    """Yield a temporary path per target; when the block ends without error, every file is
    renamed onto its target (mode 0644); on error none is, and the temporaries are removed."""
    temps: dict[str, Path] = {}
    try:
        for key, target in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
            temps[key] = Path(tmp)
        yield temps
        for key, target in targets.items():
            os.chmod(temps[key], 0o644)
            os.replace(temps[key], target)
    finally:
        for leftover in temps.values():
            leftover.unlink(missing_ok=True)
