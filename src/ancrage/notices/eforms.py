"""eForms UBL notice (lxml tree) → :class:`Notice`, through the SDK field table.

Used by :mod:`ancrage.notices.ted` (TED XML) and by :mod:`ancrage.notices.boamp_json` (BOAMP
records whose ``donnees`` is eForms UBL converted to JSON, turned back into a tree first).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal, TypeVar

from lxml import etree

from ancrage.notices.eforms_sdk import NAMESPACES, EformsFields, EformsTable
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
from ancrage.notices.textrules import apply_text_rules
from ancrage.notices.values import (
    clean_text,
    combine,
    cpv8,
    decimal,
    departement_from_postal_code,
    estimate,
    in_natural_order,
    money,
    parse_date,
    siret,
)

_Element = etree._Element
_T = TypeVar("_T")

FORM_KINDS: dict[str, NoticeKind] = {
    "planning": "prior_information",
    "competition": "contract_notice",
    "result": "award",
    "dir-awa-pre": "award",
    "cont-modif": "corrigendum",
}
PURCHASE: dict[str, PurchaseType] = {
    "works": "travaux",
    "supplies": "fournitures",
    "services": "services",
}
CRITERION: dict[str, CriterionType] = {"price": "price", "quality": "quality", "cost": "cost"}
UNITS: dict[str, Literal["day", "month", "year"]] = {
    "DAY": "day",
    "MONTH": "month",
    "YEAR": "year",
}
RESERVED_LABELS = {
    "res-ws": "ateliers protégés ou insertion (ESAT/EA, SIAE)",
    "res-pub-ser": "organisations de service public (art. 77 directive 2014/24)",
}
CONSIDERATION_FIELDS: tuple[tuple[str, Literal["strategic", "environmental", "social"]], ...] = (
    ("BT-06-Lot", "strategic"),
    ("BT-774-Lot", "environmental"),
    ("BT-805-Lot", "environmental"),
    ("BT-775-Lot", "social"),
)
PREFERRED_LANGUAGE = "FRA"


class Tree:
    """XPath look-ups by SDK field id, absolute or relative to a node element."""

    def __init__(self, fields: EformsFields) -> None:
        self.fields = fields

    def all(self, context: _Element, field_id: str, node_id: str | None = None) -> list[object]:
        path = (
            self.fields.xpath(field_id)
            if node_id is None
            else self.fields.relative(field_id, node_id)
        )
        if node_id is None:
            context = context.getroottree().getroot()
        result = context.xpath(path, namespaces=NAMESPACES)
        return list(result) if isinstance(result, list) else [result]

    def elements(
        self, context: _Element, field_id: str, node_id: str | None = None
    ) -> list[_Element]:
        return [e for e in self.all(context, field_id, node_id) if isinstance(e, _Element)]

    def texts(self, context: _Element, field_id: str, node_id: str | None = None) -> list[str]:
        out = []
        for item in self.all(context, field_id, node_id):
            raw = item.text if isinstance(item, _Element) else item
            text = clean_text(raw)
            if text is not None:
                out.append(text)
        return out

    def text(self, context: _Element, field_id: str, node_id: str | None = None) -> str | None:
        """One value; for multilingual fields the French text when there is one."""
        found = self.elements(context, field_id, node_id)
        if not found:
            values = self.texts(context, field_id, node_id)
            return values[0] if values else None
        for element in found:
            if element.get("languageID") == PREFERRED_LANGUAGE and clean_text(element.text):
                return clean_text(element.text)
        return next((t for e in found if (t := clean_text(e.text)) is not None), None)

    def node(self, context: _Element, node_id: str, parent: str | None = None) -> list[_Element]:
        path = self.fields.node(node_id)
        if parent is not None:
            base = self.fields.node(parent)
            path = path[len(base) + 1 :]
        else:
            context = context.getroottree().getroot()
        found = context.xpath(path, namespaces=NAMESPACES)
        return [e for e in found if isinstance(e, _Element)] if isinstance(found, list) else []


def _bool(raw: str | None) -> bool | None:
    if raw is None:
        return None
    return {"true": True, "false": False}.get(raw.strip().lower())


def _duration(tree: Tree, lot: _Element) -> Duration | None:
    found = tree.elements(lot, "BT-36-Lot", "ND-Lot")
    if not found:
        return None
    value = decimal(found[0].text)
    unit = UNITS.get(found[0].get("unitCode", ""))
    return Duration(value, unit) if value is not None and unit is not None else None


def _criteria(tree: Tree, lot: _Element) -> list[AwardCriterion]:
    out = []
    for crit in tree.node(lot, "ND-LotAwardCriterion", "ND-Lot"):
        weight_text = tree.text(crit, "BT-541-Lot-WeightNumber", "ND-LotAwardCriterion")
        type_code = tree.text(crit, "BT-539-Lot", "ND-LotAwardCriterion")
        out.append(
            AwardCriterion(
                type=CRITERION.get(type_code or ""),
                name=tree.text(crit, "BT-734-Lot", "ND-LotAwardCriterion"),
                description=tree.text(crit, "BT-540-Lot", "ND-LotAwardCriterion"),
                weight=decimal(weight_text),
                weight_as_given=weight_text,
            )
        )
    return out


def _considerations(tree: Tree, lot: _Element) -> list[Consideration]:
    out = []
    for field_id, kind in CONSIDERATION_FIELDS:
        for code in tree.texts(lot, field_id, "ND-Lot"):
            if code != "none":
                out.append(Consideration(kind, code, None, field_id))
    return out


def _reserved(tree: Tree, lot: _Element) -> list[Reservation]:
    out = [
        Reservation(code, RESERVED_LABELS.get(code), "BT-71-Lot")
        for code in tree.texts(lot, "BT-71-Lot", "ND-Lot")
        if code != "none"
    ]
    if tree.text(lot, "BT-736-Lot", "ND-Lot") == "yes":
        out.append(Reservation("reserved-execution", "exécution en emplois protégés", "BT-736-Lot"))
    return out


def _place(tree: Tree, context: _Element, scope: str) -> Place | None:
    """The place of performance of the procedure, a lot or a part (BT-5071 NUTS, BT-5121
    postal code, BT-5131 town, BT-5141 country, BT-728 further description)."""
    node = None if scope == "Procedure" else f"ND-{scope}"

    def texts(bt: str) -> list[str]:
        return tree.texts(context, f"{bt}-{scope}", node)

    postal = texts("BT-5121")
    country = next(iter(texts("BT-5141")), None)
    french = country in (None, "FRA")
    place = Place(
        nuts=texts("BT-5071"),
        departements=[d for p in postal if french and (d := departement_from_postal_code(p))],
        commune=tree.text(context, f"BT-5131-{scope}", node),
        text=tree.text(context, f"BT-728-{scope}", node),
        country=country,
    )
    return place if (place.nuts or place.commune or place.departements or place.text) else None


def _lot(tree: Tree, lot: _Element, scope: str = "Lot") -> Lot:
    if scope != "Lot":
        return _part(tree, lot, scope)
    return _lot_only(tree, lot)


def _part(tree: Tree, part: _Element, scope: str) -> Lot:
    """A PIN part (``ND-Part``): the fields the SDK defines for parts."""
    node = f"ND-{scope}"

    def text(bt: str) -> str | None:
        return (
            tree.text(part, f"{bt}-{scope}", node)
            if f"{bt}-{scope}" in tree.fields.fields
            else None
        )

    def texts(bt: str) -> list[str]:
        return (
            tree.texts(part, f"{bt}-{scope}", node) if f"{bt}-{scope}" in tree.fields.fields else []
        )

    amount = tree.elements(part, f"BT-27-{scope}", node)
    cpv_main = [c for t in texts("BT-262") if (c := cpv8(t))]
    return Lot(
        number=text("BT-137"),
        title=text("BT-21"),
        description=text("BT-24"),
        cpv_main=cpv_main[0] if cpv_main else None,
        cpv_additional=[c for t in texts("BT-263") if (c := cpv8(t))],
        value=estimate(amount[0].text, amount[0].get("currencyID")) if amount else None,
        place=_place(tree, part, scope),
        sme_suitable=_bool(text("BT-726")),
        documents_url=text("BT-15"),
    )


def _lot_only(tree: Tree, lot: _Element) -> Lot:
    cpv_main = [c for t in tree.texts(lot, "BT-262-Lot", "ND-Lot") if (c := cpv8(t))]
    amount = tree.elements(lot, "BT-27-Lot", "ND-Lot")
    variants = tree.text(lot, "BT-63-Lot", "ND-Lot")
    deadline = combine(
        tree.text(lot, "BT-131(d)-Lot", "ND-Lot"), tree.text(lot, "BT-131(t)-Lot", "ND-Lot")
    )
    place = _place(tree, lot, "Lot")
    return Lot(
        number=tree.text(lot, "BT-137-Lot", "ND-Lot"),
        title=tree.text(lot, "BT-21-Lot", "ND-Lot"),
        description=tree.text(lot, "BT-24-Lot", "ND-Lot"),
        cpv_main=cpv_main[0] if cpv_main else None,
        cpv_additional=[c for t in tree.texts(lot, "BT-263-Lot", "ND-Lot") if (c := cpv8(t))],
        value=estimate(amount[0].text, amount[0].get("currencyID")) if amount else None,
        place=place,
        award_criteria=_criteria(tree, lot),
        duration=_duration(tree, lot),
        deadline=deadline,
        sme_suitable=_bool(tree.text(lot, "BT-726-Lot", "ND-Lot")),
        variants_allowed=None if variants is None else variants in ("allowed", "required"),
        reserved=_reserved(tree, lot),
        considerations=_considerations(tree, lot),
        documents_url=tree.text(lot, "BT-15-Lot", "ND-Lot"),
        submission_url=tree.text(lot, "BT-18-Lot", "ND-Lot"),
    )


def _buyer(tree: Tree, root: _Element) -> Buyer:
    refs = tree.texts(root, "OPT-300-Procedure-Buyer")
    companies = tree.node(root, "ND-Company")
    company = next(
        (
            c
            for c in companies
            if refs and refs[0] in tree.texts(c, "OPT-200-Organization-Company", "ND-Company")
        ),
        None,
    )
    if company is None:
        return Buyer()
    national_id = tree.text(company, "BT-501-Organization-Company", "ND-Company")
    country = tree.text(company, "BT-514-Organization-Company", "ND-Company")
    postal = tree.text(company, "BT-512-Organization-Company", "ND-Company")
    french = country == "FRA"
    return Buyer(
        name=tree.text(company, "BT-500-Organization-Company", "ND-Company"),
        siret=siret(national_id) if french else None,
        national_id=national_id,
        city=tree.text(company, "BT-513-Organization-Company", "ND-Company"),
        postal_code=postal,
        departement=departement_from_postal_code(postal) if french else None,
        nuts=tree.text(company, "BT-507-Organization-Company", "ND-Company"),
        country=country,
    )


def _org_names(tree: Tree, root: _Element) -> dict[str, str]:
    names = {}
    for company in tree.node(root, "ND-Company"):
        ids = tree.texts(company, "OPT-200-Organization-Company", "ND-Company")
        name = tree.text(company, "BT-500-Organization-Company", "ND-Company")
        if ids and name:
            names[ids[0]] = name
    return names


def _awards(tree: Tree, root: _Element) -> list[AwardResult]:
    results = tree.node(root, "ND-LotResult")
    if not results:
        return []
    orgs = _org_names(tree, root)
    parties: dict[str, list[str]] = {}
    for party in tree.node(root, "ND-TenderingParty"):
        pid = tree.text(party, "OPT-210-Tenderer", "ND-TenderingParty")
        if pid:
            parties[pid] = [
                orgs.get(t, t) for t in tree.texts(party, "OPT-300-Tenderer", "ND-TenderingParty")
            ]
    tenders: dict[str, tuple[str | None, list[str], Money | None]] = {}
    for tender in tree.node(root, "ND-LotTender"):
        tid = tree.text(tender, "OPT-321-Tender", "ND-LotTender")
        payable = tree.elements(tender, "BT-720-Tender", "ND-LotTender")
        party_ref = tree.text(tender, "OPT-310-Tender", "ND-LotTender")
        if tid:
            tenders[tid] = (
                tree.text(tender, "BT-13714-Tender", "ND-LotTender"),
                parties.get(party_ref or "", []),
                money(payable[0].text, payable[0].get("currencyID")) if payable else None,
            )
    out = []
    for result in results:
        lot_ids = tree.texts(result, "BT-13713-LotResult", "ND-LotResult")
        code = tree.text(result, "BT-142-LotResult", "ND-LotResult")
        winners: list[str] = []
        total = Decimal(0)
        currency = None
        has_amount = False
        for tid in tree.texts(result, "OPT-320-LotResult", "ND-LotResult"):
            _lot_id, names, value = tenders.get(tid, (None, [], None))
            winners.extend(n for n in names if n not in winners)
            if value is not None:
                has_amount = True
                total += value.amount
                currency = value.currency
        out.append(
            AwardResult(
                lot_id=lot_ids[0] if lot_ids else None,
                winners=winners,
                amount=Money(total, currency) if has_amount else None,
                result=code,
            )
        )
    return out


def _kind(tree: Tree, root: _Element) -> NoticeKind:
    if tree.node(root, "ND-Changes"):
        reasons = tree.texts(root, "BT-140-notice")
        return "cancellation" if "cancel" in reasons else "corrigendum"
    if str(root.tag).endswith("PriorInformationNotice"):
        return "prior_information"  # also when the PIN is used as a call for competition
    form = tree.texts(root, "BT-03-notice")
    return FORM_KINDS.get(form[0] if form else "", "contract_notice")


def _first(values: Iterable[str]) -> str | None:
    return next(iter(values), None)


def sdk_fields(root: _Element, table: EformsTable) -> EformsFields:
    """The field table of the SDK version the notice declares (``cbc:CustomizationID``)."""
    declared = root.findtext("cbc:CustomizationID", namespaces=NAMESPACES)
    return table.for_version(clean_text(declared))


def notice_from_ubl(
    root: _Element, table: EformsTable, source: str, source_format: str
) -> Notice:
    """Map an eForms UBL tree. Raises ``ValueError`` when the notice has no identifier."""
    tree = Tree(sdk_fields(root, table))
    notice_uuid = tree.text(root, "BT-701-notice")
    if notice_uuid is None:
        raise ValueError("identifiant de l'avis absent (BT-701)")
    version = tree.text(root, "BT-757-notice")
    source_id = f"{notice_uuid}-{version}" if version else notice_uuid
    publication = tree.text(root, "OPP-010-notice")
    lots = [_lot(tree, lot) for lot in tree.node(root, "ND-Lot")]
    lots += [_lot(tree, part, "Part") for part in tree.node(root, "ND-Part")]
    lots = in_natural_order(lots)
    deadlines = [lot.deadline for lot in lots if lot.deadline is not None]
    amount = tree.elements(root, "BT-27-Procedure")
    changed = tree.text(root, "BT-758-notice")
    nature = tree.text(root, "BT-23-Procedure")
    duration = lots[0].duration if len(lots) == 1 else None
    notice = Notice(
        id=make_id(source, source_id),
        source=source,
        source_id=source_id,
        kind=_kind(tree, root),
        source_format=source_format,
        url=f"https://ted.europa.eu/en/notice/-/detail/{publication}" if publication else None,
        buyer=_buyer(tree, root),
        title=tree.text(root, "BT-21-Procedure"),
        description=tree.text(root, "BT-24-Procedure"),
        procedure=tree.text(root, "BT-105-Procedure"),
        purchase_type=PURCHASE.get(nature or ""),
        cpv_main=_first(c for t in tree.texts(root, "BT-262-Procedure") if (c := cpv8(t))),
        cpv_additional=[c for t in tree.texts(root, "BT-263-Procedure") if (c := cpv8(t))],
        place=_place(tree, root, "Procedure") or Place(),
        estimated_value=estimate(amount[0].text, amount[0].get("currencyID")) if amount else None,
        publication_date=parse_date(
            tree.text(root, "OPP-012-notice") or tree.text(root, "BT-05(a)-notice")
        ),
        deadline=min(deadlines) if deadlines else None,
        duration=duration,
        lots=lots,
        award_criteria=lots[0].award_criteria if len(lots) == 1 else [],
        sme_suitable=_all_same([lot.sme_suitable for lot in lots]),
        variants_allowed=_all_same([lot.variants_allowed for lot in lots]),
        reserved=[r for lot in lots for r in lot.reserved],
        considerations=_dedupe([c for lot in lots for c in lot.considerations]),
        documents_url=_all_same([lot.documents_url for lot in lots]),
        buyer_profile_url=tree.text(root, "BT-508-Procedure-Buyer"),
        submission_url=_all_same([lot.submission_url for lot in lots]),
        changes_notice=make_id(source, changed) if changed else None,
        procedure_id=tree.text(root, "BT-04-notice"),
        awards=_awards(tree, root),
        publication_number=publication,
    )
    notice.reserved = _dedupe(notice.reserved)
    if notice.sme_suitable is None:  # BT-726 may be given for a group of lots only
        groups = [_bool(t) for t in tree.texts(root, "BT-726-LotsGroup")]
        notice.sme_suitable = _all_same(groups) if groups else None
    selection = [
        t for lot in tree.node(root, "ND-Lot") for t in tree.texts(lot, "BT-750-Lot", "ND-Lot")
    ]
    notice.qualifications_text = list(dict.fromkeys(selection))
    texts = [("BT-24-Procedure", notice.description or "")]
    texts += [("BT-24-Lot", lot.description) for lot in lots if lot.description]
    texts += [("BT-750-Lot", t) for t in notice.qualifications_text]
    apply_text_rules(notice, texts)
    return notice


def _all_same(values: list[_T | None]) -> _T | None:
    """The value when every lot says the same thing, else ``None`` (look at the lots)."""
    distinct = {v for v in values if v is not None}
    if len(distinct) == 1 and None not in values:
        return distinct.pop()
    return None


def _dedupe(items: list[_T]) -> list[_T]:
    out: list[_T] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
