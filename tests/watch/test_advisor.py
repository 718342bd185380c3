"""An advisor's tools: firms imported from a CSV file, communes by name, groups and their
summary, lists in natural order, French plurals (real notice samples)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ancrage.settings import Settings
from ancrage.watch.model import Profile, WatchError
from ancrage.watch.profiles import complete, natural_key
from tests.watch.test_cli import DAY, cli, run

GOOD = """nom;siret;naf;commune;rayon;mots;email;groupe
menuisier-2;;43.32A;Poitiers;40;;m2@exemple.fr;cma-86
menuisier-10;;43.32A;chatellerault;30;fenêtres|volets;m10@exemple.fr;cma-86
traiteur-1;;56.21Z;Rouen;50;;t1@exemple.fr;cma-76
"""

BAD = """nom;siret;naf;commune;rayon;mots;email;groupe
menuisier-3;123;43.32A;Poitiers;40;;m3@exemple.fr;cma-86
tabac;;47.76Z;Poitiers;;;;cma-86
plombier;;43.22A;saint denis;20;;p@exemple.fr;cma-86
bon;;43.22A;86194;abc;;;cma-86
"""


def test_commune_by_name_accents_aside_and_candidates_listed() -> None:
    assert complete(Profile("a", naf="43.32A", commune="Poitiers")).commune == "86194"
    assert complete(Profile("b", naf="43.32A", commune="CHATELLERAULT")).commune == "86066"
    assert complete(Profile("c", naf="43.32A", commune="Saint-Denis (93)")).commune == "93066"
    with pytest.raises(WatchError) as many:
        complete(Profile("d", naf="43.32A", commune="saint denis"))
    assert many.value.one_line() == (
        "4 communes s'appellent « saint denis » : Saint-Denis (11, code 11339), Saint-Denis "
        "(30, code 30247), Saint-Denis (93, code 93066), Saint-Denis (974, code 97411). "
        "Précisez le département (ex. « Saint-Denis (11) ») ou donnez le code INSEE."
    )
    with pytest.raises(WatchError) as unknown:
        complete(Profile("e", naf="43.32A", commune="Nulle-Part"))
    assert unknown.value.one_line() == (
        "commune « Nulle-Part » inconnue. Donnez son nom (ex. Poitiers) ou son code INSEE "
        "(ex. 86194)."
    )


def test_natural_order() -> None:
    names = ["artisan-10", "artisan-2", "artisan-1", "boulanger"]
    assert sorted(names, key=natural_key) == ["artisan-1", "artisan-2", "artisan-10", "boulanger"]


def test_import_all_or_nothing_then_groups_and_digest(home: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    refused = run(home, "profile", "import", str(bad))
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"erreur : {bad}: 4 lignes refusées, aucun profil importé (corrigez puis relancez) :",
        "  ligne 2 : SIRET « 123 » invalide. 14 chiffres attendus.",
        "  ligne 3 : profil « tabac » sans code CPV ni mot-clé : il ne recevrait aucune alerte. "
        "Le code NAF 47.76Z ne suggère aucun code CPV ; ajoutez un code CPV (ex. 4533) ou un "
        "mot-clé (ex. fleuriste).",
        "  ligne 4 : 4 communes s'appellent « saint denis » : Saint-Denis (11, code 11339), "
        "Saint-Denis (30, code 30247), Saint-Denis (93, code 93066), Saint-Denis (974, code "
        "97411). Précisez le département (ex. « Saint-Denis (11) ») ou donnez le code INSEE.",
        "  ligne 5 : rayon : nombre « abc » illisible",
    ]
    assert json.loads(cli(home, "profile", "list", "--format", "json").stdout) == []
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD.encode("cp1252"))  # as a spreadsheet saves it
    done = cli(home, "profile", "import", str(good))
    assert " ".join(done.stdout.split()) == f"3 profils créés depuis {good}"
    again = run(home, "profile", "import", str(good))
    assert again.returncode == 2 and "ligne 3 : le profil « menuisier-10 » existe déjà" in (
        again.stderr
    )
    listed = json.loads(cli(home, "profile", "list", "--format", "json").stdout)
    assert [(p["name"], p["group_name"], p["commune"]) for p in listed] == [
        ("menuisier-2", "cma-86", "86194"),
        ("menuisier-10", "cma-86", "86066"),
        ("traiteur-1", "cma-76", "76540"),
    ]
    assert listed[1]["keywords"] == ["fenêtres", "volets"]
    table = cli(home, "profile", "list", "--groupe", "cma-76").stdout
    assert "1 profil " in table and "menuisier" not in table
    digest = json.loads(cli(home, "watch", "digest", "--groupe", "cma-76", "--date", DAY,
                            "--format", "json").stdout)
    (firm,) = digest["firms"]
    assert firm["profile"] == "traiteur-1"
    assert [m["notice"] for m in firm["matches"]] == ["boamp:26-7308"]
    text = cli(home, "watch", "digest", "--group", "cma-86", "--date", DAY).stdout
    flat = " ".join(text.split())
    assert ("Groupe « cma-86 » : 2 entreprises, 0 avec un appel ouvert au moins, "
            "0 correspondance") in flat
    assert flat.count("aucun appel ouvert") == 2
    none = run(home, "watch", "digest", "--groupe", "inconnu")
    assert none.returncode == 2
    assert none.stderr.strip() == (
        "erreur : aucun profil actif dans le groupe « inconnu ». Donnez --groupe à « ancrage "
        "profile add », « edit » ou « import »."
    )
    one = cli(home, "watch", "run", "--dry-run", "--date", DAY).stdout
    assert "3 profils : 1 alerte " in " ".join(one.split()) + " "
