"""Behaviour (行为): the only place with random draws.

``initial`` sets the programme state at the start month; ``take_up`` and ``transitions`` move
households month by month. Every draw comes from ``safetynet.streams.stream`` keyed by purpose,
county and replicate; probabilities are parameters (``behaviour.*``, ``calibrated.*``).
"""
