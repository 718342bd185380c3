"""What a notice reader sees: the DECP read context plus where the eForms SDK table is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ancrage.notices.eforms_sdk import EformsFields, load_fields
from ancrage.sources.base import ReadContext, Rejection

__all__ = ["NoticeReadContext", "Rejection"]


@dataclass
class NoticeReadContext(ReadContext):
    """``eforms_dir``: directory holding the SDK ``fields_sdk-<version>.json`` (reference dir)."""

    eforms_dir: Path | None = None
    _fields: EformsFields | None = field(default=None, repr=False)

    def eforms_fields(self) -> EformsFields:
        if self._fields is None:
            from ancrage.errors import ConfigError

            if self.eforms_dir is None:
                raise ConfigError(
                    "aucun dossier indiqué pour la table des champs du SDK eForms",
                    hint="Passez eforms_dir (ex. <reference_dir>/eforms) au contexte de lecture.",
                )
            self._fields = load_fields(self.eforms_dir)
        return self._fields
