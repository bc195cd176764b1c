"""Random streams keyed by purpose, county and replicate.

Every random draw in safetynet comes from ``stream(seed, purpose, county, replicate)``. The key
does not contain the scenario, so a reform and its baseline see the same draws (common random
numbers), and it does not depend on which process simulates which county, so results are the
same however the work is split. Draw full-length arrays (one value per household) every time,
never only for a policy-dependent subset, so that the draws stay aligned across scenarios.
"""

from __future__ import annotations

import numpy as np

PURPOSES: dict[str, int] = {
    "population": 1,
    "income": 2,
    "work": 3,
    "health": 4,
    "demography": 5,
    "shocks": 6,
    "apply": 7,
    "discover": 8,
    "review": 9,
    "temporary": 10,
    "initial": 11,
    "cpi": 12,
    "services": 13,
    "calibration": 14,
    "split": 15,
    "support": 16,
}


def stream(seed: int, purpose: str, county: int, replicate: int = 0) -> np.random.Generator:
    """A PCG64 generator for (seed, purpose, county, replicate).

    >>> a = stream(7, "income", 3, 0).random(2)
    >>> b = stream(7, "income", 3, 0).random(2)
    >>> bool((a == b).all())
    True
    """
    try:
        code = PURPOSES[purpose]
    except KeyError:
        raise KeyError(
            f"unknown random-stream purpose {purpose!r}; known: {sorted(PURPOSES)}"
        ) from None
    if seed < 0 or county < 0 or replicate < 0:
        raise ValueError("seed, county and replicate must be non-negative integers")
    seq = np.random.SeedSequence(entropy=seed, spawn_key=(code, county, replicate))
    return np.random.Generator(np.random.PCG64(seq))
