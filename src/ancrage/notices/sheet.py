"""The reading sheet: one page in French saying what a notice asks, for a small firm.

Facts from structured fields come first; facts read in free text are shown with the sentence
they came from. Nothing is invented: a missing fact reads "non précisé dans l'avis".
Renderers: text (rich), JSON, HTML (jinja2 template, self-contained).
"""

from __future__ import annotations

import io
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from rich.console import Console

from ancrage.notices.model import AwardCriterion, Lot, Money, Notice, status_of

MISSING = "non précisé dans l'avis"
KIND_LABELS = {
    "contract_notice": "avis de marché",
    "prior_information": "avis de pré-information",
    "award": "avis d'attribution",
    "corrigendum": "avis rectificatif",
    "cancellation": "avis d'annulation",
}
STATUS_LABELS = {"open": "ouvert", "closed": "attribué / clos", "cancelled": "annulé"}
PURCHASE_LABELS = {"travaux": "travaux", "fournitures": "fournitures", "services": "services"}
CRITERION_LABELS = {"price": "prix", "quality": "qualité", "cost": "coût"}


@dataclass
class Item:
    label: str
    value: str
    sentence: str | None = None  # the sentence a text-extracted fact came from
    source_field: str | None = None
    note: str | None = None  # what it means in practice / a warning


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Sheet:
    id: str
    title: str
    subtitle: str
    sections: list[Section]
    today: date

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        return data


@cache
def explanations() -> dict[str, dict[str, str]]:
    path = resources.files("ancrage").joinpath("data/notices/requirements_fr.toml")
    return tomllib.loads(path.read_text("utf-8"))


def _or_missing(value: object) -> str:
    return MISSING if value is None or value == "" or value == [] else str(value)


def _number(value: Decimal) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def money(value: Money | None) -> str:
    if value is None:
        return MISSING
    return f"{_number(value.amount)} {value.currency or '(devise non précisée)'}"


def deadline_text(value: datetime | None, today: date) -> tuple[str, str | None]:
    if value is None:
        return MISSING, None
    offset = value.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "fuseau non précisé"
    text = f"{value:%d/%m/%Y} à {value:%H:%M} ({zone})"
    days = (value.date() - today).days
    if days > 1:
        left = f"il reste {days} jours"
    elif days == 1:
        left = "dernier jour demain"
    elif days == 0:
        left = "c'est aujourd'hui"
    else:
        left = f"date limite dépassée depuis {-days} jour{'s' if -days > 1 else ''}"
    return text, left


def _criterion(c: AwardCriterion) -> Item:
    kind = CRITERION_LABELS.get(c.type or "", "type non précisé")
    name = c.name or c.description or kind
    if c.weight is not None:
        value = f"pondération {c.weight_as_given or _number(c.weight)}"
    elif c.order is not None:
        value = f"priorité {c.order}"
    else:
        value = "pondération non précisée"
    return Item(f"{name} ({kind})", value)


def criteria_items(criteria: list[AwardCriterion]) -> list[Item]:
    if not criteria:
        return [Item("Critères", MISSING)]
    items = [_criterion(c) for c in criteria]
    types = {c.type for c in criteria}
    if types == {"price"}:
        items.append(
            Item(
                "Attention",
                "prix seul",
                note="Le moins-disant l'emporte : seul le prix compte. Vérifiez votre marge "
                "avant de baisser vos prix.",
            )
        )
    weights = [c.weight for c in criteria]
    if all(w is not None for w in weights):
        total = sum((w for w in weights if w is not None), Decimal(0))
        price = sum(
            (c.weight for c in criteria if c.type == "price" and c.weight is not None), Decimal(0)
        )
        if total > 0 and None not in types:
            share = _number((price * 100 / total).quantize(Decimal("0.1")))
            items.append(Item("Part du prix dans la note", f"{share} %"))
    elif any(c.order is not None for c in criteria):
        items.append(Item("Pondération", "critères classés par ordre de priorité, sans poids"))
    return items


def _duration(notice: Notice) -> str:
    d = notice.duration
    if d is None:
        return MISSING
    units = {"day": "jours", "month": "mois", "year": "ans"}
    return d.text or f"{_number(d.value)} {units[d.unit]}"


def _lot_criteria(notice: Notice) -> list[tuple[str | None, list[AwardCriterion]]]:
    if notice.award_criteria or not any(lot.award_criteria for lot in notice.lots):
        return [(None, notice.award_criteria)]
    return [(lot.number, lot.award_criteria) for lot in notice.lots]


def _lot_item(lot: Lot, today: date) -> Item:
    parts = [
        f"CPV {lot.cpv_main}" if lot.cpv_main else None,
        f"valeur estimée {money(lot.value)}" if lot.value else None,
        f"date limite {deadline_text(lot.deadline, today)[0]}" if lot.deadline else None,
    ]
    details = " ; ".join(p for p in parts if p)
    return Item(
        f"Lot {lot.number or '?'}", f"{lot.title or MISSING}" + (f" — {details}" if details else "")
    )


def _requirements(notice: Notice) -> list[Item]:
    texts = explanations()
    items: list[Item] = []
    considerations = list(notice.considerations)
    for lot in notice.lots:
        considerations += [c for c in lot.considerations if c not in considerations]
    for c in considerations:
        kind = {
            "environmental": "Environnement",
            "social": "Social",
            "strategic": "Achat stratégique",
            "execution": "Clause d'exécution",
        }[c.kind]
        note = texts["consideration_code"].get(c.code or "") or texts["consideration"][c.kind]
        items.append(
            Item(kind, c.text or c.code or MISSING, source_field=c.source_field, note=note)
        )
    reserved = list(notice.reserved)
    for lot in notice.lots:
        reserved += [r for r in lot.reserved if r not in reserved]
    for r in reserved:
        note = texts["reservation"].get(r.code, texts["reservation"]["other"])
        items.append(
            Item("Marché réservé", r.label or r.code, source_field=r.source_field, note=note)
        )
    for fact in notice.facts_from_text:
        head, _, value = fact.fact.partition(":")
        fact_note = texts["fact"].get(fact.fact) or texts["fact"].get(head)
        if fact_note is not None:
            items.append(
                Item(
                    "Lu dans le texte",
                    value or head,
                    sentence=fact.sentence,
                    source_field=fact.source_field,
                    note=fact_note,
                )
            )
    if not items:
        items.append(Item("Exigences environnementales et sociales", MISSING))
    return items


def _documents(notice: Notice) -> list[Item]:
    labels = explanations()["label"]
    items = [
        Item("Capacités demandées", text, source_field="avis (champ structuré)")
        for text in notice.qualifications_text
    ]
    seen: set[tuple[str, str]] = set()
    for fact in notice.facts_from_text:
        head, _, value = fact.fact.partition(":")
        if head == "label" and (value, fact.sentence) not in seen:
            seen.add((value, fact.sentence))
            items.append(
                Item(
                    f"Certification : {value}",
                    "citée dans l'avis",
                    sentence=fact.sentence,
                    source_field=fact.source_field,
                    note=labels.get(value),
                )
            )
        elif head == "site_visit":
            items.append(
                Item(
                    "Visite du site",
                    "obligatoire" if value == "mandatory" else "facultative",
                    sentence=fact.sentence,
                    source_field=fact.source_field,
                )
            )
    if notice.site_visit is not None and not any(i.label == "Visite du site" for i in items):
        items.append(Item("Visite du site", "prévue" if notice.site_visit else "non prévue"))
    if notice.variants_allowed is not None:
        items.append(Item("Variantes", "autorisées" if notice.variants_allowed else "interdites"))
    if notice.sme_suitable is not None:
        items.append(Item("Adapté aux PME", "oui" if notice.sme_suitable else "non"))
    if not items:
        items.append(Item("Documents et certifications", MISSING))
    return items


def reading_sheet(notice: Notice, *, today: date) -> Sheet:
    """The one-page reading sheet of ``notice`` as of ``today`` (for the days left)."""
    buyer = notice.buyer
    place = notice.place
    deadline, left = deadline_text(notice.deadline, today)
    cpv = notice.cpv_main
    if cpv and notice.cpv_additional:
        cpv += " (+ " + ", ".join(notice.cpv_additional) + ")"
    description = notice.description
    if description and len(description) > 800:
        description = description[:800].rsplit(" ", 1)[0] + " …"
    where = place.text or (
        ", ".join(place.departements) and "départements " + ", ".join(place.departements)
    )
    sections = [
        Section(
            "Ce qui est acheté",
            [
                Item("Objet", _or_missing(notice.title)),
                Item("Description", _or_missing(description)),
                Item("Type d'achat", _or_missing(PURCHASE_LABELS.get(notice.purchase_type or ""))),
                Item("Code CPV principal", _or_missing(cpv)),
                Item("Procédure", _or_missing(notice.procedure)),
                Item("Durée", _duration(notice)),
            ],
        ),
        Section(
            "Acheteur",
            [
                Item("Nom", _or_missing(buyer.name)),
                Item("SIRET", _or_missing(buyer.siret)),
                Item(
                    "Ville", _or_missing(" ".join(p for p in (buyer.postal_code, buyer.city) if p))
                ),
                Item("Département", _or_missing(buyer.departement)),
            ],
        ),
        Section(
            "Lieu d'exécution",
            [
                Item("Lieu", _or_missing(where)),
                Item("Code NUTS", _or_missing(", ".join(place.nuts))),
            ],
        ),
        Section("Montant", [Item("Valeur estimée", money(notice.estimated_value))]),
        Section("Date limite de remise des offres", [Item("Date limite", deadline, note=left)]),
        Section(
            "Lots",
            [_lot_item(lot, today) for lot in notice.lots]
            or [Item("Lots", "marché non alloti ou lots non précisés dans l'avis")],
        ),
    ]
    judged = Section("Jugement des offres")
    for number, criteria in _lot_criteria(notice):
        if number is not None:
            judged.items.append(Item(f"Lot {number}", ""))
        judged.items += criteria_items(criteria)
    sections.append(judged)
    sections.append(
        Section("Environnement et social : ce que cela veut dire pour vous", _requirements(notice))
    )
    sections.append(Section("Documents et certifications à préparer", _documents(notice)))
    sections.append(
        Section(
            "Liens",
            [
                Item("Avis", _or_missing(notice.url)),
                Item("Documents de la consultation", _or_missing(notice.documents_url)),
                Item("Dépôt des offres", _or_missing(notice.submission_url)),
                Item("Profil d'acheteur", _or_missing(notice.buyer_profile_url)),
            ],
        )
    )
    subtitle = (
        f"{KIND_LABELS[notice.kind]} · {notice.source.upper()} {notice.source_id} · "
        f"{STATUS_LABELS[status_of(notice)]}"
    )
    return Sheet(notice.id, notice.title or MISSING, subtitle, sections, today)


# ---------------------------------------------------------------- renderers


def render_text(sheet: Sheet, width: int = 100) -> str:
    console = Console(record=True, width=width, highlight=False, file=io.StringIO())
    console.print(f"[bold]{_esc(sheet.title)}[/bold]")
    console.print(f"{_esc(sheet.subtitle)} · fiche du {sheet.today:%d/%m/%Y}")
    for section in sheet.sections:
        console.print()
        console.print(f"[bold underline]{_esc(section.title)}[/bold underline]")
        for item in section.items:
            value = f" : {_esc(item.value)}" if item.value else ""
            console.print(f"• [bold]{_esc(item.label)}[/bold]{value}")
            if item.sentence:
                field_ = f" ({_esc(item.source_field)})" if item.source_field else ""
                console.print(f"    [italic]« {_esc(item.sentence)} »[/italic]{field_}")
            if item.note:
                console.print(f"    → {_esc(item.note)}")
    return console.export_text()


def render_json(sheet: Sheet) -> dict[str, Any]:
    return sheet.as_json()


def render_html(sheet: Sheet) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ancrage", "data/notices"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("sheet.html.j2").render(sheet=sheet, missing=MISSING)


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)
