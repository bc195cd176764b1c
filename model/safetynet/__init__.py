"""safetynet: simulation and budgeting model for China's social assistance (社会救助兜底保障).

The one obvious call::

    import safetynet
    ds = safetynet.simulate("scenarios/baseline.toml", sample_fraction=0.01)

returns an ``xarray.Dataset`` (scenario × replicate × county × month) with units in attrs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "load_scenario", "simulate"]

if TYPE_CHECKING:
    from safetynet.scenario import load_scenario
    from safetynet.simulation import simulate


def __getattr__(name: str) -> Any:
    # Lazy: importing safetynet stays cheap for the CLI and for tools that only read data.
    if name == "simulate":
        from safetynet.simulation import simulate

        return simulate
    if name == "load_scenario":
        from safetynet.scenario import load_scenario

        return load_scenario
    raise AttributeError(f"module 'safetynet' has no attribute {name!r}")
