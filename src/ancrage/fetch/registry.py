"""The download connectors, by name (the ``SOURCE`` argument of ``ancrage fetch``).

Adding a source: write ``fetch/<module>.py`` with a class following
:class:`ancrage.fetch.base.Connector` and add it here.
"""

from __future__ import annotations

from ancrage.errors import ConfigError
from ancrage.fetch.base import Connector
from ancrage.fetch.boamp import Boamp
from ancrage.fetch.cog import Cog
from ancrage.fetch.decp import Decp, DecpOfficial
from ancrage.fetch.laposte import LaPoste
from ancrage.fetch.sirene import Sirene
from ancrage.fetch.ted import Ted


def all_connectors() -> tuple[Connector, ...]:
    return (Decp(), DecpOfficial(), Boamp(), Ted(), Sirene(), Cog(), LaPoste())


def connector(name: str) -> Connector:
    for found in all_connectors():
        if found.name == name:
            return found
    names = ", ".join(c.name for c in all_connectors())
    raise ConfigError(f"source inconnue « {name} »", hint=f"Sources possibles : {names}.")
