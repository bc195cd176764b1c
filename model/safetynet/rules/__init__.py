"""Pure policy rules (政策规则), one module per programme; see docs/rules.md for the full list.

Household rules are small scalar functions, one quantity for one household or person, compiled
with numba (:mod:`safetynet.rules.compiled`) and reading the county's parameters of the month by
name (:class:`safetynet.rules.parameters.RuleParams`); their order is composed once in
:mod:`safetynet.assessment`. County rules (prices trigger, services cap, funding, checks) are
functions over arrays of counties and a parameter branch at a date. Rules draw no random
numbers, do no I/O and never modify their inputs. Money is float64 yuan per month.

Programme codes are those of the household column ``programme`` (docs/architecture.md).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safetynet.constants import CARE_LEVELS as CARE_LEVELS
from safetynet.constants import DIBAO as DIBAO
from safetynet.constants import DIBAO_SINGLE as DIBAO_SINGLE
from safetynet.constants import NONE as NONE
from safetynet.constants import PROGRAMME_NAMES as PROGRAMME_NAMES
from safetynet.constants import TEKUN_DISPERSED as TEKUN_DISPERSED
from safetynet.constants import TEKUN_INSTITUTIONAL as TEKUN_INSTITUTIONAL

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def as_float(x: npt.ArrayLike) -> FloatArray:
    """``x`` as a float64 array (no copy when it already is one).

    >>> a = as_float([1, 2])
    >>> a.dtype.name, as_float(a) is a
    ('float64', True)
    """
    return np.asarray(x, dtype=np.float64)


def as_int(x: npt.ArrayLike) -> IntArray:
    """``x`` as an int64 array (no copy when it already is one)."""
    return np.asarray(x, dtype=np.int64)


def as_bool(x: npt.ArrayLike) -> BoolArray:
    """``x`` as a bool array (no copy when it already is one)."""
    return np.asarray(x, dtype=np.bool_)
