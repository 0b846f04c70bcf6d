"""The Contrat de Ville 2024–2030 of Saint-Étienne Métropole as a validated data package.

``load(name)``, ``load_all()``, ``tables()`` and ``describe(name)`` give typed pandas DataFrames.
Importing this module is light: pandas, pyarrow and frictionless load only when a function needs them.
"""

from __future__ import annotations

__all__ = ["describe", "load", "load_all", "tables"]


def __getattr__(name: str):
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'contratville_data' has no attribute {name!r}")
