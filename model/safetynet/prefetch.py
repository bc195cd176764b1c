"""A cache-line prefetch for compiled loops over many columns.

The monthly kernel (:mod:`safetynet.household_month`) walks about fifty household columns and
the person table at once. The processor's stream prefetcher follows only a few streams per
core, so without help most columns miss the cache once per line; :func:`prefetch` asks for the
line holding an element some rows ahead (``llvm.prefetch``, a hint: it never faults and changes
no value).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir
from numba.core import cgutils as _cgutils
from numba.core import config as _config
from numba.core import types
from numba.extending import intrinsic

cgutils: Any = _cgutils  # numba's code-generation helpers (untyped)
config: Any = _config

#: llvm.prefetch arguments: read (0), keep in all cache levels (3), data cache (1)
_READ, _LOCALITY, _DATA = 0, 3, 1


@intrinsic
def _prefetch(typingctx: Any, array: Any, index: Any) -> Any:
    """Compiled code only: prefetch the cache line of ``array[index]`` (a 1-d array and an
    integer index; nothing is read or written)."""
    sig = types.void(array, index)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        ptr = builder.bitcast(ptr, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [ptr, ir.Constant(i32, _READ), ir.Constant(i32, _LOCALITY),
                          ir.Constant(i32, _DATA)])  # fmt: skip
        return context.get_dummy_value()

    return sig, codegen


def _no_prefetch(array: Any, index: Any) -> None:
    """Plain Python (``NUMBA_DISABLE_JIT=1``): nothing to prefetch."""


#: ``prefetch(array, index)``: the intrinsic in compiled code; with ``NUMBA_DISABLE_JIT=1``
#: (the kernel run as plain Python) a function that does nothing
prefetch = _no_prefetch if config.DISABLE_JIT else cast(Callable[[Any, Any], None], _prefetch)
