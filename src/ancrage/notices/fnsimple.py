"""BOAMP national form ``FNSimple`` (``donnees`` of Opendatasoft records) → :class:`Notice`."""

from __future__ import annotations

from typing import Any

from ancrage.notices.boamp_v230 import as_list, first_key, get, text
from ancrage.notices.model import (
    AwardCriterion,
    Buyer,
    Duration,
    Lot,
    Money,
    Notice,
    Place,
    PurchaseType,
    Reservation,
    make_id,
)
from ancrage.notices.textrules import apply_text_rules
from ancrage.notices.values import (
    cpv8,
    decimal,
    departement_from_postal_code,
    estimate,
    in_natural_order,
    lot_heading,
    parse_datetime,
    siret,
)

PURCHASE: dict[str, PurchaseType] = {
    "travaux": "travaux",
    "fournitures": "fournitures",
    "services": "services",
}
QUALIFICATION_FIELDS = ("capaciteExercice", "capaciteEcoFin", "capaciteTech")


def _choice(node: object, path: str) -> bool | None:
    """``{"oui": …}`` / ``{"non": …}`` → True / False (the key is the answer)."""
    key = first_key(node, path)
    return {"oui": True, "non": False}.get(key or "")


def _cpvs(node: object) -> list[str]:
    codes = [get(node, "codeCPV.objetPrincipal.classPrincipale")]
    codes += as_list(get(node, "codeCPV.objetComplementaire.classPrincipale"))
    out = []
    for raw in codes:
        code = cpv8(text(raw))
        if code and code not in out:
            out.append(code)
    return out


def _value(node: object) -> Money | None:
    if not isinstance(node, dict):
        return None
    currency = node.get("@devise")
    if "valeur" in node:
        return estimate(text(node["valeur"]), currency)
    high = get(node, "fourchette.valeurHaute")
    return estimate(text(high), currency) if high is not None else None  # upper bound of a range


def notice_from_fnsimple(
    record_id: str, form: dict[str, Any], *, source_format: str, url: str | None
) -> Notice:
    org = form.get("organisme")
    initial = form.get("initial")
    nature = get(initial, "natureMarche")
    proc = get(initial, "procedure")
    com = get(initial, "communication")
    cpvs = _cpvs(nature)
    cp = text(get(org, "cp"))
    national = text(get(org, "codeIdentificationNational"))
    is_siret = first_key(org, "typeIdentificationNational") == "siret"
    months = decimal(text(get(nature, "dureeMois")))
    lots = []
    for item in as_list(get(initial, "lots.lot")):
        lot_cpvs = _cpvs(item)
        where = text(get(item, "lieuExecutionLivraison"))
        description = text(get(item, "description"))
        number, heading = lot_heading(description or text(get(item, "intitule")))
        lots.append(
            Lot(
                number=text(get(item, "numero")) or number,
                title=text(get(item, "intitule")) or heading,
                description=description,
                cpv_main=lot_cpvs[0] if lot_cpvs else None,
                cpv_additional=lot_cpvs[1:],
                value=_value(get(item, "estimationValeur")),
                place=Place(text=where) if where else None,
            )
        )
    criteria_text = text(get(proc, "criteresAttrib"))
    visit = text(get(initial, "informComplementaire.oui.visiteDetail"))
    notice = Notice(
        id=make_id("boamp", record_id),
        source="boamp",
        source_id=record_id,
        kind="contract_notice",
        source_format=source_format,
        url=url,
        buyer=Buyer(
            name=text(get(org, "nomOfficiel")),
            siret=siret(national) if is_siret else None,
            national_id=national,
            city=text(get(org, "ville")),
            postal_code=cp,
            departement=departement_from_postal_code(cp),
        ),
        title=text(get(nature, "intitule")),
        description=text(get(nature, "description")),
        procedure=first_key(initial, "procedure") if isinstance(proc, dict) else None,
        purchase_type=PURCHASE.get(first_key(nature, "natureMarche") or ""),
        cpv_main=cpvs[0] if cpvs else None,
        cpv_additional=cpvs[1:],
        place=Place(text=text(get(nature, "lieuExecution"))),
        estimated_value=_value(get(nature, "valeurEstimee")),
        deadline=parse_datetime(text(get(proc, "dateReceptionOffres"))),
        duration=Duration(months, "month") if months is not None else None,
        lots=in_natural_order(lots),
        award_criteria=[AwardCriterion(None, None, description=criteria_text)]
        if criteria_text
        else [],
        variants_allowed=_choice(proc, "variantes"),
        site_visit=True if visit else None,
        qualifications_text=[t for f in QUALIFICATION_FIELDS if (t := text(get(proc, f)))],
        documents_url=text(get(com, "urlDocConsul")),
        buyer_profile_url=text(get(com, "urlProfilAch")),
    )
    if _choice(nature, "reservationMarche") is True:
        notice.reserved.append(Reservation("reserved", None, "natureMarche.reservationMarche"))
    texts = [(f, t) for f in QUALIFICATION_FIELDS if (t := text(get(proc, f)))]
    if visit:
        texts.append(("informComplementaire.visiteDetail", visit))
    other = text(get(initial, "informComplementaire.autresInformComplementaire"))
    if other:
        texts.append(("informComplementaire.autresInformComplementaire", other))
    if notice.description:
        texts.append(("natureMarche.description", notice.description))
    apply_text_rules(notice, texts)
    return notice
