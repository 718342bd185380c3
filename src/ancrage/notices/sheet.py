"""The reading sheet: one page in French saying what a notice asks, for a small firm.

Facts from structured fields come first; facts read in free text are shown with the sentence
they came from. Nothing is invented: a missing fact reads "non précisé dans l'avis".
Renderers: text (rich), JSON, HTML (jinja2 template, self-contained).
"""

from __future__ import annotations

import io
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from rich.console import Console

from ancrage.notices.labels import (
    CRITERION_LABELS,
    KIND_LABELS,
    REQUIREMENT_LABELS,
    STATE_LABELS,
    cpv_text,
    field_code_label,
    field_label,
    procedure_label,
)
from ancrage.notices.model import AwardCriterion, Lot, Money, Notice, display_id, notice_state
from ancrage.notices.values import PARIS

MISSING = "non précisé dans l'avis"
PURCHASE_LABELS = {"travaux": "travaux", "fournitures": "fournitures", "services": "services"}


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


def lot_label(number: str | None, position: int) -> str:
    """« Lot 5 », « LOT-0005 » (eForms ids as TED prints them); a lot the notice does not
    number by its place: « 2e lot (sans numéro dans l'avis) »."""
    if not number:
        rank = "1er" if position == 1 else f"{position}e"
        return f"{rank} lot (sans numéro dans l'avis)"
    return number if number[:1].isalpha() else f"Lot {number}"


def _lot_item(lot: Lot, today: date, position: int) -> Item:
    parts = [
        cpv_text(lot.cpv_main) if lot.cpv_main else None,
        f"valeur estimée {money(lot.value) if lot.value else 'non précisée'}",
        f"date limite {deadline_text(lot.deadline, today)[0]}" if lot.deadline else None,
    ]
    details = " ; ".join(p for p in parts if p)
    title = lot.title or "intitulé non précisé"
    return Item(lot_label(lot.number, position), f"{title} — {details}")


def _requirements(notice: Notice) -> list[Item]:
    texts = explanations()
    items: list[Item] = []
    considerations = list(notice.considerations)
    for lot in notice.lots:
        considerations += [c for c in lot.considerations if c not in considerations]
    for c in considerations:
        kind = REQUIREMENT_LABELS[c.kind]
        note = texts["consideration_code"].get(c.code or "") or texts["consideration"][c.kind]
        value = c.text or field_code_label(c.source_field, c.code) or c.code or MISSING
        items.append(Item(kind, value, source_field=_where(c.source_field), note=note))
    reserved = list(notice.reserved)
    for lot in notice.lots:
        reserved += [r for r in lot.reserved if r not in reserved]
    for r in reserved:
        note = texts["reservation"].get(r.code, texts["reservation"]["other"])
        label = field_code_label(r.source_field, r.code) or r.label or r.code
        items.append(Item("Marché réservé", label, source_field=_where(r.source_field), note=note))
    for fact in notice.facts_from_text:
        head, _, value = fact.fact.partition(":")
        fact_note = texts["fact"].get(fact.fact) or texts["fact"].get(head)
        if fact_note is not None:
            items.append(
                Item(
                    "Lu dans le texte",
                    value or head,
                    sentence=fact.sentence,
                    source_field=_where(fact.source_field),
                    note=fact_note,
                )
            )
    if not items:
        items.append(Item("Exigences environnementales et sociales", MISSING))
    return items


def _where(source_field: str | None) -> str | None:
    """Where a fact was read, in French (the form's field, never its internal path)."""
    if not source_field:
        return None
    return field_label(source_field) or "champ de l'avis"


def _procedure(code: str | None) -> str:
    if not code:
        return MISSING
    return procedure_label(code) or f"{code} (code de la source, non traduit)"


def _cpvs(main: str | None, additional: list[str]) -> str:
    if main is None:
        return MISSING
    text = cpv_text(main)
    if additional:
        text += " ; codes secondaires : " + ", ".join(cpv_text(c) for c in additional)
    return text


def _where_text(notice: Notice) -> str:
    """The place of performance as written, and what it was resolved to."""
    place = notice.place
    resolved = ", ".join(place.departements)
    parts = []
    if place.text:
        parts.append(place.text)
    if place.commune and (not place.text or place.commune.lower() not in place.text.lower()):
        parts.append(place.commune)
    if resolved:
        plural = "s" if len(place.departements) > 1 else ""
        parts.append(f"département{plural} {resolved}")
    lots = sorted(
        {d for lot in notice.lots if lot.place for d in lot.place.departements}
        - set(place.departements)
    )
    if lots:
        parts.append("lots : départements " + ", ".join(lots))
    return " — ".join(parts) if parts else MISSING


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
                    source_field=_where(fact.source_field),
                    note=labels.get(value),
                )
            )
        elif head == "site_visit":
            items.append(
                Item(
                    "Visite du site",
                    "obligatoire" if value == "mandatory" else "facultative",
                    sentence=fact.sentence,
                    source_field=_where(fact.source_field),
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


def reading_sheet(notice: Notice, *, today: date, now: datetime | None = None) -> Sheet:
    """The one-page reading sheet of ``notice`` as of ``today`` (for the days left) and ``now``
    (for its state: open only while the deadline is ahead; default: the start of ``today``,
    Paris time)."""
    moment = now or datetime.combine(today, time(0, 0), PARIS)
    buyer = notice.buyer
    place = notice.place
    deadline, left = deadline_text(notice.deadline, today)
    description = notice.description
    if description and len(description) > 800:
        description = description[:800].rsplit(" ", 1)[0] + " …"
    sections = [
        Section(
            "Ce qui est acheté",
            [
                Item("Objet", _or_missing(notice.title)),
                Item("Description", _or_missing(description)),
                Item("Type d'achat", _or_missing(PURCHASE_LABELS.get(notice.purchase_type or ""))),
                Item("Code CPV principal", _cpvs(notice.cpv_main, notice.cpv_additional)),
                Item("Procédure", _procedure(notice.procedure)),
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
                Item("Lieu", _where_text(notice)),
                Item("Code NUTS", _or_missing(", ".join(place.nuts))),
                *(
                    [
                        Item(
                            "Départements cités par le BOAMP",
                            ", ".join(notice.listed_departements),
                            note="Départements où l'avis est diffusé : ils comprennent "
                            "d'ordinaire le lieu d'exécution.",
                        )
                    ]
                    if notice.listed_departements
                    else []
                ),
            ],
        ),
        Section("Montant", [Item("Valeur estimée", money(notice.estimated_value))]),
        Section("Date limite de remise des offres", [Item("Date limite", deadline, note=left)]),
        Section(
            "Lots",
            [_lot_item(lot, today, i) for i, lot in enumerate(notice.lots, start=1)]
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
    shown = display_id(notice)
    subtitle = (
        f"{KIND_LABELS[notice.kind]} · {notice.source.upper()} n° {shown.partition(':')[2]} · "
        f"{STATE_LABELS[notice_state(notice, moment)]}"
    )
    return Sheet(shown, notice.title or MISSING, subtitle, sections, today)


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
    env.tests["link"] = is_link
    return env.get_template("sheet.html.j2").render(sheet=sheet, missing=MISSING)


def is_link(value: object) -> bool:
    """A web address alone (shown as a link in the HTML sheet; never a ``javascript:`` one)."""
    return isinstance(value, str) and value.startswith(("https://", "http://")) and " " not in value


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)
