"""``ancrage profile add/edit``: every option reaches its profile field."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ancrage.cli.app import app


def _cli(home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, [*args[:2], "--home", str(home), *args[2:]])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_option_sets_its_field(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _cli(home, "profile", "add", "menuisier", "--naf", "43.32A", "--commune", "86194",
         "--cpv", "4542,45421", "--mot", "menuiserie", "--exclure", "aluminium",
         "--dep", "86,79", "--montant-min", "5000", "--montant-max", "200000",
         "--certification", "Qualibat", "--type", "travaux", "--reserve", "exclude",
         "--lots", "--frequence", "immediate", "--email", "menuisier@example.fr")  # fmt: skip
    shown = json.loads(_cli(home, "profile", "show", "menuisier"))
    assert {k: shown[k] for k in (
        "naf", "commune", "cpv", "keywords", "excluded_keywords", "departements", "value_min",
        "value_max", "certifications", "purchase_types", "reserved", "lots_only", "frequency",
        "email", "radius_km", "active",
    )} == {
        "naf": "43.32A", "commune": "86194", "cpv": ["4542", "45421"],
        "keywords": ["menuiserie"], "excluded_keywords": ["aluminium"],
        "departements": ["86", "79"], "value_min": 5000.0, "value_max": 200000.0,
        "certifications": ["Qualibat"], "purchase_types": ["travaux"], "reserved": "exclude",
        "lots_only": True, "frequency": "immediate", "email": "menuisier@example.fr",
        "radius_km": None, "active": True,
    }  # fmt: skip
    _cli(home, "profile", "edit", "menuisier", "--rayon", "40", "--dep", "86", "--tous",
         "--reserve", "any", "--frequence", "daily", "--inactif")  # fmt: skip
    edited = json.loads(_cli(home, "profile", "show", "menuisier"))
    assert (edited["radius_km"], edited["departements"]) == (40.0, ["86"])
    assert edited["lots_only"] is False
    assert (edited["reserved"], edited["frequency"], edited["active"]) == ("any", "daily", False)
    assert edited["keywords"] == ["menuiserie"] and edited["cpv"] == ["4542", "45421"]
