"""safetynet: simulation and budgeting model for China's social assistance (社会救助兜底保障)."""

from __future__ import annotations

__version__ = "0.1.0"
