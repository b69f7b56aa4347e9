"""Matching registry entries to the marketplace's OCOP certificates.

An entry whose certificate number (normalised: no whitespace, upper case) is a
marketplace certificate's is MATCHED to it, by ``certificate_number``. Otherwise the
certificate whose product and seller are most like the entry's product and producer
(``rapidfuzz`` on text folded by ``market.core.folding.fold``, legal forms such as "Hợp
tác xã" shortened alike) is SUGGESTED with its score, when the score reaches
``SUGGESTION_THRESHOLD``, for a person to confirm or reject
(``province.services.registry``). A certificate a person rejected for an entry is never
suggested to it again; one already matched to another entry is not suggested at all. An
entry a person matched (method ``confirmed``) is left as they decided.

``registry_rematch`` runs after every applied import. A marketplace certificate submitted
later finds its registry entry the next time it runs: the management command
``manage.py registry_rematch`` (for a nightly cron or beat entry, or by hand after the
department's certificates are entered), so the catalog never imports the province (the
layers forbid it).
"""

import re

from django.db.models import Q
from django.utils import timezone
from rapidfuzz import fuzz, process

from catalog.models import OcopCertificate
from market.core.folding import fold
from market.core.transactions import service_transaction
from province.importing import normalised_certificate_number
from province.models import RegistryEntry, RegistryMatchRejection

# From 0 to 100: a suggestion's score at least SUGGESTION_THRESHOLD, its product's score at least
# PRODUCT_SCORE_FLOOR and its seller's at least SELLER_SCORE_FLOOR, so neither a seller's
# name alone nor a common product name ("Tỏi") of another seller suggests a certificate.
SUGGESTION_THRESHOLD = 85
PRODUCT_SCORE_FLOOR = 80
SELLER_SCORE_FLOOR = 60
PRODUCT_WEIGHT = 0.6
# Rows per UPDATE of bulk_update: a CASE per column over the batch, so small batches.
BULK_BATCH_SIZE = 100

# Legal forms written out or abbreviated, one spelling each (folded text).
_LEGAL_FORMS = (
    (r"\bhop tac xa\b", "htx"),
    (r"\bcong ty co phan\b", "cty cp"),
    (r"\bcong ty trach nhiem huu han\b", "cty tnhh"),
    (r"\bcong ty\b", "cty"),
    (r"\bho kinh doanh\b", "hkd"),
    (r"\bco so\b", "cs"),
)
_PUNCTUATION = re.compile(r"[^0-9a-z ]+")


def comparable_name(text: str) -> str:
    """Folded, legal forms shortened, punctuation as spaces: what similarity compares."""
    folded = _PUNCTUATION.sub(" ", fold(text))
    for pattern, short in _LEGAL_FORMS:
        folded = re.sub(pattern, short, folded)
    return " ".join(folded.split())


def product_without_brand(product: str, seller: str) -> str:
    """The product's name without the words of its seller's ("Mật nho Lê Nhân" of "Cơ sở
    Lê Nhân" is "mat nho"): shared brand words would make two products of one seller look
    alike. The whole name when nothing else is left."""
    words = comparable_name(product).split()
    brand = set(comparable_name(seller).split())
    return " ".join([word for word in words if word not in brand] or words)


Status = RegistryEntry.MatchStatus
Method = RegistryEntry.MatchMethod
_DECIDED_BY_A_PERSON = Q(match_status=Status.MATCHED, match_method=Method.CONFIRMED)
_MATCH_FIELDS = ["certificate", "match_status", "match_method", "match_score", "matched_at"]


@service_transaction
def registry_rematch(*, entry_ids=None) -> dict[str, int]:
    """Match (or suggest for) every entry not decided by a person, or those of
    ``entry_ids``; returns how many entries are in each status afterwards among them.

    A platform service (no caller: the import, the command). Three queries to read, one
    ``bulk_update`` of the entries that changed.
    """
    entries = RegistryEntry.objects.exclude(_DECIDED_BY_A_PERSON).select_for_update()
    if entry_ids is not None:
        entries = entries.filter(pk__in=list(entry_ids))
    entries = list(entries.order_by("pk"))
    certificates = list(
        OcopCertificate.objects.values_list(
            "pk", "certificate_number", "product__name", "product__seller__name"
        ).order_by("pk")
    )
    by_number = {}
    for pk, number, _product, _seller in certificates:
        by_number.setdefault(normalised_certificate_number(number), pk)
    # Certificates a person matched to an entry, or this pass matches by number, are taken.
    taken = set(
        RegistryEntry.objects.filter(_DECIDED_BY_A_PERSON).values_list("certificate_id", flat=True)
    )
    numbered = {entry.pk: by_number.get(entry.certificate_number) for entry in entries}
    taken |= {pk for pk in numbered.values() if pk is not None}
    rejected = set(
        RegistryMatchRejection.objects.filter(entry__in=[e.pk for e in entries]).values_list(
            "entry_id", "certificate_id"
        )
    )
    rejected_entries = {entry_id for entry_id, _certificate in rejected}
    open_certificates = [row for row in certificates if row[0] not in taken]
    suggestions = _suggestions(
        [entry for entry in entries if numbered[entry.pk] is None], open_certificates, rejected
    )

    now = timezone.now()
    changed = []
    counts = dict.fromkeys(Status.values, 0)
    for entry in entries:
        before = _match_of(entry)
        if numbered[entry.pk] is not None:
            _set(entry, numbered[entry.pk], Status.MATCHED, Method.CERTIFICATE_NUMBER, None)
        elif entry.pk in suggestions:
            certificate_id, score = suggestions[entry.pk]
            _set(entry, certificate_id, Status.SUGGESTED, "", score)
        else:
            status = Status.REJECTED if entry.pk in rejected_entries else Status.UNMATCHED
            _set(entry, None, status, "", None)
        if _match_of(entry) != before:
            entry.matched_at = now if entry.match_status == Status.MATCHED else None
            entry.matched_by = None
            changed.append(entry)
        counts[entry.match_status] += 1
    RegistryEntry.objects.bulk_update(
        changed, [*_MATCH_FIELDS, "matched_by", "updated_at"], batch_size=BULK_BATCH_SIZE
    )
    return counts


def _match_of(entry) -> tuple:
    return (entry.certificate_id, entry.match_status, entry.match_method, entry.match_score)


def _set(entry, certificate_id, status, method, score) -> None:
    entry.certificate_id = certificate_id
    entry.match_status = status
    entry.match_method = method
    entry.match_score = score
    entry.updated_at = timezone.now()


def _suggestions(entries, certificates, rejected) -> dict[int, tuple[int, int]]:
    """``entry id → (certificate id, score)`` of the best certificate per entry, when it
    reaches the threshold and was not rejected for that entry."""
    product_names = [
        product_without_brand(product, seller) for _pk, _number, product, seller in certificates
    ]
    seller_names = [comparable_name(seller) for _pk, _number, _product, seller in certificates]
    found = {}
    for entry in entries:
        seller_query = comparable_name(entry.producer_name)
        best = None
        # Only the few certificates whose product is close enough are scored further. Words
        # of one name within the other's count as alike ("Nho sấy" and "Nho sấy khô"), and
        # a producer is often named as the seller without its place ("HTX Nho Evergreen"
        # for "HTX Nho Evergreen Ninh Thuận").
        close = process.extract(
            product_without_brand(entry.product_name, entry.producer_name),
            product_names,
            scorer=fuzz.token_set_ratio,
            score_cutoff=PRODUCT_SCORE_FLOOR,
            limit=None,
        )
        for _name, product_score, index in close:
            certificate_id = certificates[index][0]
            if (entry.pk, certificate_id) in rejected:
                continue
            seller_score = fuzz.token_set_ratio(seller_query, seller_names[index])
            if seller_score < SELLER_SCORE_FLOOR:
                continue
            score = round(PRODUCT_WEIGHT * product_score + (1 - PRODUCT_WEIGHT) * seller_score)
            if score >= SUGGESTION_THRESHOLD and (best is None or score > best[1]):
                best = (certificate_id, score)
        if best is not None:
            found[entry.pk] = best
    return found
