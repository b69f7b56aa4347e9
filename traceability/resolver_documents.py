"""The machine answers of the GS1 Digital Link resolver (``traceability.resolver``): the
JSON-LD of a lot's trace, its RFC 9264 linkset and the ``Link`` header naming them."""

from django.conf import settings
from django.utils.translation import gettext as _

from traceability.epcis import documents, vocabulary
from traceability.models import GapCertificate, Site
from traceability.resolver_trace import Trace, lot_uri

HTML = "text/html"
JSON_LD = "application/ld+json"
JSON = "application/json"
LINKSET = "application/linkset+json"
# What the resolver can answer, the default first (a browser's */* gets the page).
MEDIA_TYPES = (HTML, JSON_LD, JSON, LINKSET)

GS1_VOCABULARY = "https://gs1.org/voc/"
SCHEMA_ORG = "https://schema.org/"
# The JSON-LD context of GS1 linksets (GS1-Conformant Resolver 1.x, unchanged since 1.0).
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
LINKSET_LINK_TYPES = frozenset({"all", "linkset"})
EPCIS_LINK_TYPES = frozenset({"gs1:epcis", GS1_VOCABULARY + "epcis", "epcis"})


# ---------------------------------------------------------------- JSON-LD and linkset


def _kg(value) -> float | None:
    # A JSON number, as the EPCIS documents write quantities.
    return float(value) if value is not None else None


def _place(site: Site, certificates: list[GapCertificate] | None, today) -> dict:
    place = {
        "@type": "Place",
        "identifier": site.code,
        "name": site.name,
        "address": {
            "@type": "PostalAddress",
            "addressLocality": site.ward,
            "addressRegion": site.province,
            "addressCountry": "VN",
        },
        "ocop:siteKind": site.kind,
        "ocop:status": site.status,
    }
    if site.former_district:
        place["ocop:formerDistrict"] = site.former_district
    if site.crops:
        place["ocop:crops"] = list(site.crops)
    if certificates is not None:
        place["ocop:gapCertificates"] = [
            {
                "name": certificate.get_scheme_display(),
                "identifier": certificate.number,
                "ocop:issuer": certificate.issuer,
                "validFrom": certificate.valid_from.isoformat(),
                "validThrough": certificate.valid_until.isoformat(),
                "ocop:current": certificate.valid_from <= today <= certificate.valid_until,
            }
            for certificate in certificates
        ]
    return place


def _json_ld(trace: Trace) -> dict:
    lot = trace.lot
    document = {
        "@context": {
            "@vocab": SCHEMA_ORG,
            "gs1": GS1_VOCABULARY,
            vocabulary.CONTEXT_PREFIX: vocabulary.vocabulary_base(),
        },
        "@id": trace.uri,
        "@type": ["Product", "gs1:Product"],
        "name": lot.product.name,
        "url": trace.uri,
        "manufacturer": {"@type": "Organization", "name": lot.seller.name},
        "gs1:hasBatchLotNumber": lot.code,
    }
    if lot.gtin:
        document["gtin14"] = lot.gtin
        document["gs1:gtin"] = lot.gtin
    if trace.serial:
        document["gs1:hasSerialNumber"] = trace.serial
    if lot.harvest_date:
        document["productionDate"] = lot.harvest_date.isoformat()
    if lot.best_before:
        document["gs1:bestBeforeDate"] = lot.best_before.isoformat()
    if trace.label_expiry is not None:
        document["ocop:expiryOnLabel"] = trace.label_expiry.isoformat()
        document["ocop:expiryMatchesRecord"] = not trace.expiry_differs
    if trace.stars:
        document["ocop:ocopStars"] = trace.stars
    document.update(
        {
            "ocop:originVerified": trace.verified,
            "ocop:originProblems": [
                {"ocop:code": code, "description": sentence} for code, sentence in trace.reasons
            ],
            "ocop:growingAreas": [
                _place(site, trace.certificates.get(site.pk, []), trace.today)
                for site in trace.areas
            ],
        }
    )
    if lot.packing_house is not None:
        document["ocop:packingHouse"] = _place(lot.packing_house, None, trace.today)
    document["ocop:inputs"] = [
        {
            "@id": lot_uri(row["lot"]),
            "ocop:depth": row["depth"],
            "name": row["lot"].product.name,
            "gs1:hasBatchLotNumber": row["lot"].code,
            "ocop:quantityKg": _kg(row["quantity_kg"]),
            "ocop:growingArea": row["lot"].growing_area.code if row["lot"].growing_area else None,
        }
        for row in trace.inputs
    ]
    document["ocop:timeline"] = [
        {
            "@id": row["event_id"],
            "ocop:step": row["step"],
            "name": row["name"],
            "ocop:eventTime": documents.format_event_time(row["time"]),
            "ocop:place": row["site"].code if row["site"] else None,
            "ocop:quantityKg": _kg(row["quantity_kg"]),
            "ocop:declaredErroneous": row["declared_erroneous"],
            "ocop:isCorrection": row["is_correction"],
        }
        for row in trace.timeline
    ]
    document["ocop:epcisDocument"] = trace.links["epcis"]
    return document


def _linkset(trace: Trace) -> dict:
    lot = trace.lot
    page = {
        "href": trace.uri,
        "title": _("Trace of lot %(code)s") % {"code": lot.code},
        "type": HTML,
        "hreflang": [code for code, _name in settings.LANGUAGES],
    }
    return {
        "linkset": [
            {
                "anchor": trace.uri,
                GS1_VOCABULARY + "defaultLink": [page],
                GS1_VOCABULARY + "pip": [page],
                GS1_VOCABULARY + "traceability": [page],
                GS1_VOCABULARY + "epcis": [
                    {
                        "href": trace.links["epcis"],
                        "title": _("EPCIS 2.0 events of lot %(code)s") % {"code": lot.code},
                        "type": JSON_LD,
                    }
                ],
                "describedby": [
                    {
                        "href": trace.uri,
                        "title": _("Trace of lot %(code)s as JSON-LD") % {"code": lot.code},
                        "type": JSON_LD,
                    }
                ],
                vocabulary.term_uri("qrCode"): [
                    {"href": trace.links["qr_png"], "type": "image/png"},
                    {"href": trace.links["qr_svg"], "type": "image/svg+xml"},
                ],
            }
        ]
    }


def _link_header(trace: Trace) -> str:
    return ", ".join(
        [
            f'<{trace.links["linkset"]}>; rel="linkset"; type="{LINKSET}"',
            f'<{trace.uri}>; rel="{GS1_VOCABULARY}pip"; type="{HTML}"',
            f'<{trace.links["epcis"]}>; rel="{GS1_VOCABULARY}epcis"; type="{JSON_LD}"',
        ]
    )
