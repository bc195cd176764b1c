"""The tekun entry flow (safetynet.behaviour.support): households without work lose their
supporter at ``behaviour.support_loss_rate`` and apply; the draw is the county's own stream."""

from __future__ import annotations

import numpy as np
from safetynet.behaviour import support
from safetynet.constants import DIBAO, NONE
from safetynet.streams import stream


def _state(n: int) -> dict[str, np.ndarray]:
    return {
        "has_supporter": np.ones(n, dtype=bool),
        "pending_months": np.full(n, -1, dtype=np.int8),
        "programme": np.full(n, NONE, dtype=np.int8),
        "n_workers": np.zeros(n, dtype=np.int8),
        "n_60p": np.ones(n, dtype=np.int8),
        "n_disabled_severe": np.zeros(n, dtype=np.int8),
        "size": np.ones(n, dtype=np.int8),
    }


def _advance(s: dict[str, np.ndarray], rate: float, rng: np.random.Generator) -> None:
    support.advance(s["has_supporter"], s["pending_months"], s["programme"], s["n_workers"],
                    s["n_60p"], s["n_disabled_severe"], s["size"], rate, 2, rng)  # fmt: skip


def test_only_households_without_work_and_with_a_needy_member_lose_support() -> None:
    s = _state(6)
    s["n_workers"][1] = 1  # someone works
    s["n_60p"][2] = 0  # nobody 60+ or severely disabled
    s["n_60p"][3], s["n_disabled_severe"][3] = 0, 1  # severely disabled: at risk
    s["size"][4] = 0  # empty
    s["programme"][5] = DIBAO  # on dibao: loses support, no new application
    _advance(s, 1.0, np.random.default_rng(0))
    assert s["has_supporter"].tolist() == [False, True, True, False, True, False]
    assert s["pending_months"].tolist() == [2, -1, -1, 2, -1, -1]


def test_rate_is_the_monthly_probability_and_draws_are_the_county_stream() -> None:
    n, rate = 200_000, 0.01
    s = _state(n)
    _advance(s, rate, stream(1, "support", 3, 0))
    lost = int((~s["has_supporter"]).sum())
    # binomial(200 000, 0.01): mean 2 000, sd 44.5; 4 sd
    assert abs(lost - n * rate) < 4 * np.sqrt(n * rate * (1 - rate))
    again = _state(n)
    _advance(again, rate, stream(1, "support", 3, 0))
    assert np.array_equal(again["has_supporter"], s["has_supporter"])
    other = _state(n)
    _advance(other, rate, stream(1, "support", 4, 0))  # another county: other draws
    assert not np.array_equal(other["has_supporter"], s["has_supporter"])


def test_zero_rate_changes_nothing_but_keeps_the_stream_moving() -> None:
    s = _state(10)
    rng = stream(1, "support", 3, 0)
    _advance(s, 0.0, rng)
    assert s["has_supporter"].all() and (s["pending_months"] == -1).all()
    ref = stream(1, "support", 3, 0)
    ref.random(10, dtype=np.float32)
    assert rng.random() == ref.random()
