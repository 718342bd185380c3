"""Labels users read for the codes of the data."""

from __future__ import annotations

from ancrage.labels import decp_field


def test_decp_field_names() -> None:
    assert decp_field("buyer.id") == "acheteur.id"
    assert decp_field("suppliers[1].name") == "titulaires[1].denominationSociale"
    assert decp_field("modifications[0].publication_date") == (
        "modifications[0].datePublicationDonnees"
    )
    assert decp_field("acheteur_id") == "acheteur_id"  # a tabular column: as written
    assert decp_field(None) is None
