"""BOAMP ``Boamp_v230`` notice tree → :class:`Notice`.

One mapper for the three places the v230 tree is found: the DILA bulk XML, the old DILA API v1
JSON (lower-case keys, epoch-millisecond dates) and the legacy ``donnees`` of the Opendatasoft
records. Each is first turned into a *normalised tree* (:func:`norm_key`: keys lower-cased without
``_``/``-``/``@``; empty elements → ``""``; ``null`` dropped; text with attributes → ``value``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ancrage.notices.model import (
    AwardCriterion,
    AwardResult,
    Buyer,
    Consideration,
    CriterionType,
    Duration,
    Lot,
    Money,
    Notice,
    NoticeKind,
    Place,
    PurchaseType,
    Reservation,
    make_id,
)
from ancrage.notices.textrules import apply_text_rules, criterion_type
from ancrage.notices.values import (
    clean_text,
    cpv8,
    decimal,
    departement_from_postal_code,
    epoch_ms,
    in_natural_order,
    lot_heading,
    money,
    parse_date,
    parse_datetime,
    siret,
)

Tree = dict[str, Any]
_EMPTY_XML_PREFIX = "<?xml"
PURCHASE: dict[str, PurchaseType] = {
    "travaux": "travaux",
    "fournitures": "fournitures",
    "service": "services",
    "services": "services",
}


def norm_key(key: str) -> str:
    if key == "#text":
        return "value"
    return key.lower().replace("_", "").replace("-", "").lstrip("@")


def normalise(value: object) -> Any:
    """JSON value → normalised tree (see module doc)."""
    if isinstance(value, Mapping):
        out: Tree = {}
        for k, v in value.items():
            if v is None:
                continue
            out[norm_key(str(k))] = normalise(v)
        return out
    if isinstance(value, list):
        return [normalise(v) for v in value if v is not None]
    if isinstance(value, str) and value.startswith(_EMPTY_XML_PREFIX):
        return ""  # old DILA API: an empty XML element serialised as a UTF-16 XML string
    return value


def get(tree: object, path: str) -> Any:
    node = tree
    for part in path.split("."):
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool | dict | list):
        return None
    return clean_text(value)


def flag(tree: object, path: str) -> bool:
    return get(tree, path) is not None


def yes_no(tree: object, yes: str, no: str) -> bool | None:
    if flag(tree, yes):
        return True
    if flag(tree, no):
        return False
    return None


def first_key(tree: object, path: str) -> str | None:
    node = get(tree, path)
    if isinstance(node, dict) and node:
        return str(next(iter(node)))
    return None


def when(value: object) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_ms(value)
    return parse_datetime(text(value))


def amount(value: object) -> Money | None:
    if isinstance(value, dict):
        return money(value.get("value"), value.get("devise") or "EUR")
    return money(text(value), "EUR")


def estimated(value: object) -> Money | None:
    """An estimated value (:func:`ancrage.notices.values.estimate`: 0 is not a value)."""
    found = amount(value)
    return None if found is None or found.amount == 0 else found


def _kind(gestion: object) -> NoticeKind:
    status = first_key(gestion, "reference.typeavis.statut")
    nature = first_key(gestion, "reference.typeavis.nature")
    if status == "annulation":
        return "cancellation"
    if status in ("rectificatif", "modification") or nature == "rectificatif":
        return "corrigendum"
    if nature == "attribution":
        return "award"
    if nature in ("preinformation", "periodique"):
        return "prior_information"
    return "contract_notice"


def _criteria(node: object) -> list[AwardCriterion]:
    """``CRITERES_ATTRIBUTION`` of a notice or a lot."""
    out: list[AwardCriterion] = []
    typed: tuple[tuple[str, CriterionType | None], ...] = (
        ("criteresqualite", "quality"),
        ("criterescout", "cost"),
        ("criteresponderes", None),
        ("criterespriorites", None),
    )
    for key, kind in typed:
        for item in as_list(get(node, f"{key}.critere")):
            name = text(item)
            weight = text(item.get("poids")) if isinstance(item, dict) else None
            order = item.get("ordre") if isinstance(item, dict) else None
            out.append(
                AwardCriterion(
                    type=kind or criterion_type(name),
                    name=name,
                    weight=decimal(weight),
                    weight_as_given=weight,
                    order=int(order)
                    if isinstance(order, int | str) and str(order).isdigit()
                    else None,
                )
            )
    price = get(node, "criteresprix")
    if price is not None:
        weight = text(get(price, "poids")) if isinstance(price, dict) else None
        out.append(AwardCriterion("price", "Prix", weight=decimal(weight), weight_as_given=weight))
    free = text(get(node, "critereslibre"))
    if free:
        out.append(AwardCriterion(None, None, description=free))
    return out


def _place(node: object) -> Place | None:
    nuts = [t for n in as_list(get(node, "codenuts")) if (t := text(n))]
    cp = text(get(node, "cp"))
    commune = text(get(node, "ville"))
    written = text(get(node, "lieuprincipal")) or text(get(node, "adresse"))
    dep = departement_from_postal_code(cp)
    if not (nuts or dep or commune or written):
        return None
    return Place(nuts=nuts, departements=[dep] if dep else [], commune=commune, text=written)


def _duration(node: object) -> Duration | None:
    months = decimal(text(get(node, "dureemois")))
    if months is not None:
        return Duration(months, "month")
    days = decimal(text(get(node, "dureejours")) or text(get(node, "dureejour")))
    return Duration(days, "day") if days is not None else None


def _cpvs(node: object) -> list[str]:
    out = []
    for item in as_list(get(node, "cpv")):
        for raw in as_list(get(item, "principal")) + as_list(get(item, "complementaire")):
            code = cpv8(text(raw))
            if code and code not in out:
                out.append(code)
    return out


def _lot(node: object) -> Lot:
    cpvs = _cpvs(node)
    description = text(get(node, "description"))
    number, heading = lot_heading(text(get(node, "intitule")) or description)
    return Lot(
        number=text(get(node, "num")) or number,
        title=text(get(node, "intitule")) or heading,
        description=description,
        cpv_main=cpvs[0] if cpvs else None,
        cpv_additional=cpvs[1:],
        value=estimated(get(node, "valeur")),
        place=_place(node),
        award_criteria=_criteria(get(node, "criteresattribution")),
        duration=_duration(node),
        variants_allowed=yes_no(node, "variantesoui", "variantesnon"),
    )


def _awards(donnees: object) -> list[AwardResult]:
    out = []
    for decision in as_list(get(donnees, "attribution.decision")):
        winners = [
            t for w in as_list(get(decision, "titulaire")) if (t := text(get(w, "denomination")))
        ]
        result = (
            "infructueux"
            if flag(decision, "infructueux")
            else ("attribue" if flag(decision, "attribue") else None)
        )
        out.append(
            AwardResult(
                lot_id=text(get(decision, "numlot")),
                winners=winners,
                amount=amount(get(decision, "renseignement.montant")),
                result=result,
            )
        )
    return out


def notice_from_v230(
    gestion: object, donnees: object, *, source_format: str, url: str | None = None
) -> Notice:
    """Map a normalised ``GESTION``/``DONNEES`` pair. Raises ``ValueError`` without IDWEB."""
    idweb = text(get(gestion, "reference.idweb"))
    if idweb is None:
        raise ValueError("IDWEB absent")
    index = get(gestion, "indexation")
    identite = get(donnees, "identite")
    objet = get(donnees, "objet")
    objet = objet[0] if isinstance(objet, list) and objet else objet
    cpvs = _cpvs(objet)
    lots = [_lot(lot) for lot in as_list(get(objet, "lots.lot"))]
    cp = text(get(identite, "cp"))
    purchase = first_key(objet, "typemarche")
    deadline = when(get(donnees, "conditiondelai.receptoffres")) or when(
        get(index, "datelimitereponse")
    )
    dep = [t for d in as_list(get(index, "depprestation")) if (t := text(d))]
    criteria = _criteria(get(donnees, "procedure.criteresattribution"))
    if any(lot.award_criteria for lot in lots):
        # lot-level criteria are the detailed ones; the notice level repeats the single lot's
        criteria = lots[0].award_criteria if len(lots) == 1 else []
    previous = text(get(gestion, "marche.annonceanterieur.reference.idweb"))
    value = estimated(get(objet, "caracteristiques.valeurtotale"))
    place = _place(get(objet, "lieuexeclivr")) or Place()
    place.departements = place.departements or dep
    notice = Notice(
        id=make_id("boamp", idweb),
        source="boamp",
        source_id=idweb,
        kind=_kind(gestion),
        source_format=source_format,
        url=url or f"https://www.boamp.fr/pages/avis/?q=idweb:{idweb}",
        buyer=Buyer(
            name=text(get(identite, "denomination")),
            siret=siret(text(get(identite, "codeidentnational"))),
            national_id=text(get(identite, "codeidentnational")),
            city=text(get(identite, "ville")),
            postal_code=cp,
            departement=departement_from_postal_code(cp),
            nuts=text(get(identite, "adjudicateurnuts")),
        ),
        title=text(get(objet, "titremarche")) or text(get(index, "resumeobjet")),
        description=text(get(objet, "objetcomplet")),
        procedure=first_key(donnees, "procedure.typeprocedure"),
        purchase_type=PURCHASE.get(purchase or ""),
        cpv_main=cpvs[0] if cpvs else None,
        cpv_additional=cpvs[1:],
        place=place,
        estimated_value=value,
        publication_date=parse_date(text(get(index, "datepublication")))
        or _day(get(index, "datepublication")),
        deadline=deadline,
        duration=_duration(get(objet, "dureedelai"))
        or (lots[0].duration if len(lots) == 1 else None),
        lots=in_natural_order(lots),
        award_criteria=criteria,
        variants_allowed=yes_no(objet, "variantesoui", "variantesnon"),
        documents_url=text(get(identite, "urldocument")),
        buyer_profile_url=text(get(identite, "urlprofilacheteur")),
        submission_url=text(get(identite, "urlparticipation")),
        changes_notice=make_id("boamp", previous) if previous else None,
        trade_descriptors=[
            (str(get(d, "code")), text(get(d, "libelle")) or "")
            for d in as_list(get(index, "descripteurs.descripteur"))
            if get(d, "code") is not None
        ],
        status=first_key(gestion, "reference.typeavis.statut"),
        awards=_awards(donnees),
    )
    if notice.variants_allowed is None and lots:
        values = {lot.variants_allowed for lot in lots}
        notice.variants_allowed = values.pop() if len(values) == 1 else None
    _participation(notice, donnees, index)
    return notice


def _day(value: object) -> Any:
    moment = when(value)
    return moment.date() if moment else None


def _participation(notice: Notice, donnees: object, index: object) -> None:
    cond = get(donnees, "conditionparticipation")
    for code in ("sociaux", "environnementaux"):
        if flag(index, f"criteressociauxenv.{code}"):
            notice.considerations.append(
                Consideration(
                    "social" if code == "sociaux" else "environmental",
                    code.upper(),
                    None,
                    "GESTION.INDEXATION.CRITERES_SOCIAUX_ENV",
                )
            )
    execution = text(get(cond, "conditionparticuliereexecution"))
    if execution:
        notice.considerations.append(
            Consideration("execution", None, execution, "CONDITION_PARTICULIERE_EXECUTION")
        )
    reserved = get(cond, "marchereserveoui")
    if reserved is not None:
        notice.reserved.append(
            Reservation("reserved", text(reserved), "CONDITION_PARTICIPATION.MARCHE_RESERVE_OUI")
        )
    if flag(cond, "prestationreserveeoui"):
        notice.reserved.append(
            Reservation(
                "profession",
                text(get(cond, "prestationreserveeoui")) or "prestation réservée à une profession",
                "CONDITION_PARTICIPATION.PRESTATION_RESERVEE_OUI",
            )
        )
    fields = (
        "captech",
        "capeco",
        "situationjuridique",
        "critereselection",
        "criteresparticipation",
    )
    notice.qualifications_text = [t for f in fields if (t := text(get(cond, f)))]
    texts = [(f.upper(), t) for f in fields if (t := text(get(cond, f)))]
    if notice.description:
        texts.append(("OBJET_COMPLET", notice.description))
    texts += [("LOT.DESCRIPTION", lot.description) for lot in notice.lots if lot.description]
    rens = text(get(donnees, "renseignementscomplementaires.renscomplement"))
    if rens:
        texts.append(("RENS_COMPLEMENT", rens))
    if execution:
        texts.append(("CONDITION_PARTICULIERE_EXECUTION", execution))
    apply_text_rules(notice, texts)
