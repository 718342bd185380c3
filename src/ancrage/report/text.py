"""The report's sentences: key messages, scope lines, data-quality rows (French)."""

from __future__ import annotations

from ancrage.diagnose import Diagnostic
from ancrage.diagnose.model import MIN_CLAIM_BASE
from ancrage.fmt import caution, count, eur, number, pct
from ancrage.geo import Territory, default_geography
from ancrage.report.spend import Spend

FRAMEWORKS = {
    "include": "accords-cadres comptés (leur montant est un plafond, pas une dépense)",
    "exclude": "accords-cadres exclus",
    "separate": "accords-cadres présentés à part",
    "only": "accords-cadres seuls",
}


def home_departements(territory: Territory | None) -> list[str]:
    """The départements of the territory (empty without one)."""
    if territory is None:
        return []
    communes = territory.geography.communes
    return sorted({communes[c].departement for c in territory.members if c in communes})


def scope_lines(d: Diagnostic) -> list[str]:
    s = d.scope
    out = [f"Périmètre : {s.name()}"]
    if s.years is not None:
        a, b = s.years
        out.append(f"Années de notification : {a}" + (f" à {b}" if b != a else ""))
    else:
        out.append("Années de notification : toutes celles de l'entrepôt")
    if s.buyers:
        out.append("Acheteurs retenus : " + ", ".join(s.buyers))
    if s.exclude_cpv:
        out.append("Codes CPV exclus (préfixes) : " + ", ".join(s.exclude_cpv))
    if s.keep_cpv:
        out.append("Codes CPV retenus seuls (préfixes) : " + ", ".join(s.keep_cpv))
    if s.purchase_type:
        out.append(f"Type d'achat : {s.purchase_type}")
    if s.kind == "concession":
        out.append("Type de contrat : contrats de concession (montant = valeur globale)")
    else:
        out.append("Type de contrat : marchés (les concessions sont présentées à part)")
    out.append("Accords-cadres : " + FRAMEWORKS[s.frameworks])
    if s.include_flagged:
        out.append("Montants invraisemblables signalés : comptés")
    return out


def _region_name(code: str) -> str:
    region = default_geography().regions.get(code)
    return code if region is None else region.nom


def dep_name(code: str) -> str:
    dep = default_geography().departements.get(code)
    return dep.nom if dep else code


def key_messages(d: Diagnostic, spend: Spend) -> list[str]:
    """The few sentences an elected official should read first."""
    t = d.totals
    conc = d.concessions
    concessions = (
        []
        if conc is None or not conc.contracts
        else [
            f"À part : {count(conc.contracts, 'contrat')} de concession, d'une valeur globale "
            f"de {eur(conc.value_eur)} sur toute leur durée, non comptée dans les montants (ce "
            "n'est pas un achat)."
        ]
    )
    placed = [] if d.placement is None or not d.placement.buyers else [d.placement.sentence]
    if d.empty is not None:
        return [d.empty, *placed, *concessions]
    out = [
        f"{count(t.contracts, 'contrat')} pour {eur(t.amount_eur)} HT, passés par "
        f"{count(t.buyers, 'acheteur')} auprès de {count(t.suppliers, 'titulaire')}.",
        *concessions,
    ]
    loc = d.locality.by_amount
    territory = d.scope.territory
    home = home_departements(territory)
    wide = territory is not None and territory.kind in ("dep", "reg") and spend.total_eur > 0
    if wide and territory is not None:
        stay = sum(p.amount_eur for p in spend.by_departement if p.code in home)
        where = "le département" if territory.kind == "dep" else "la région"
        out.append(
            f"{pct(stay / spend.total_eur)} des montants restent dans {where} : le titulaire y "
            f"est installé. Département du titulaire inconnu pour "
            f"{pct(spend.unplaced_departement_eur / spend.total_eur)} des montants."
        )
        deps = default_geography().departements
        region = deps[home[0]].region
        away = sum(
            p.amount_eur
            for p in spend.by_departement
            if p.code not in deps or deps[p.code].region != region
        )
        out.append(
            f"{pct(away / spend.total_eur)} des montants partent hors de la région "
            f"({_region_name(region)})."
        )
    else:
        where = (
            "dans le territoire"
            if territory is not None
            else "dans le département de leur acheteur (ou plus près)"
        )
        out.append(
            f"{pct(d.locality.local.value)} des montants vont à des titulaires installés {where} "
            f"; titulaire non localisé pour {pct(loc.unknown.value)} des montants."
            + caution(loc.unknown, "lignes contrat × titulaire")
        )
        leaving = loc.total(("france", "abroad"))
        out.append(
            f"{pct(leaving.value)} des montants partent hors de la région de l'acheteur (reste de "
            "la France et étranger)."
        )
    out += placed
    outside = [p for p in spend.by_departement if p.code not in home]
    if outside and spend.total_eur > 0:
        top = outside[0]
        lead = "Hors du territoire, premier" if home else "Premier"
        out.append(
            f"{lead} département bénéficiaire : {dep_name(top.code)} ({top.code}), "
            f"{pct(top.amount_eur / spend.total_eur)} des montants."
        )
    for c, label in (
        (d.considerations.environmental, "environnementale"),
        (d.considerations.social, "sociale"),
    ):
        declaring = count(c.reported, "contrat déclarant", "contrats déclarants")
        if c.verdict == "non mesurable":
            out.append(
                f"Considération {label} : non mesurable, aucun contrat du périmètre ne la déclare "
                "(données publiées avant le format 2024)."
            )
        elif c.verdict == "base trop faible":
            out.append(
                f"{pct(c.share_contracts.value)} des contrats déclarants ont une considération "
                f"{label}, mais sur {declaring} seulement pour "
                f"{count(c.contracts, 'contrat')} : base trop faible pour juger de la cible de "
                f"{pct(c.target)} (il faut au moins {MIN_CLAIM_BASE} contrats déclarants et la "
                "moitié du périmètre)."
            )
        else:
            out.append(
                f"{pct(c.share_contracts.value)} des contrats déclarent une considération "
                f"{label} (cible {pct(c.target)} : {c.verdict}), sur "
                f"{declaring}."
            )
    out += obligation_messages(d)
    single = d.competition.single_offer_share
    if single.value is not None:
        out.append(
            f"{pct(single.value)} des contrats renseignés n'ont reçu qu'une seule offre."
            + caution(single, "contrats renseignés")
        )
    return out


def obligation_messages(d: Diagnostic) -> list[str]:
    """The obligation since 21 August 2026, when some contract of the scope is under it."""
    o = d.obligation
    if o.contracts == 0:
        return []
    since = o.since.strftime("%d/%m/%Y")
    if o.verdict == "non mesurable":
        return [
            f"Obligation environnementale depuis le {since} : non mesurable, aucun des "
            f"{count(o.contracts, 'contrat')} notifiés depuis ne déclare ses considérations."
        ]
    declaring = count(o.reported, "contrat déclarant", "contrats déclarants")
    claim = (
        f"base trop faible pour un constat, {declaring}"
        if o.verdict == "base trop faible"
        else f"{o.verdict}, sur {declaring}"
    )
    text = (
        f"Depuis le {since}, {pct(o.share.value)} des contrats déclarants ont une "
        f"considération environnementale (obligation : 100 % ; {claim})."
    )
    far = next((b for b in o.buyers if b.share.value is not None and b.share.value < 1), None)
    if far is not None:
        text += (
            f" Acheteur le plus loin de l'objectif : {far.name or far.buyer}, "
            f"{pct(far.share.value)} sur {count(far.reported, 'contrat')}."
        )
    return [text]


def quality_rows(d: Diagnostic) -> list[tuple[str, str]]:
    q = d.quality
    unlocated = (
        "acheteurs non localisés"
        if d.placement is None
        else "acheteurs de la zone non placés (peut-être dans le territoire)"
    )
    return [
        ("contrats sans montant", number(q.missing_amounts)),
        ("montants invraisemblables (exclus des totaux)", number(q.flagged_amounts)),
        (unlocated, number(q.buyers_unlocated)),
        ("titulaires de localisation inconnue", number(q.suppliers_unknown_location)),
        ("enregistrements écartés (quarantaine)", number(q.quarantined_records)),
        ("accords-cadres (montant = plafond)", number(d.totals.framework_contracts)),
        (
            "contrats déclarant les considérations",
            number(d.considerations.environmental.reported),
        ),
    ]
