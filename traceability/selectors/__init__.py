"""Reads of traceability that more than one caller needs: one definition each.

GraphQL, the Digital Link resolver, search and the feeds read through these, so a rule
(who sees a site, what makes a lot's origin unverified) is written once. Each subject has its
module: who sees what (``visibility``), transformations (``provenance``), the
verified-origin rule (``origin``), the event chains and timelines (``chains``); callers
read them all from here (``selectors.lot_visible_to``).
"""

from traceability.selectors.chains import (
    lot_timeline,
    lot_timelines,
    trace_events_read_by,
)
from traceability.selectors.origin import (
    ORIGIN_PROBLEMS,
    PRODUCT_ORIGIN_PROBLEMS,
    lot_origin_problems,
    lots_counting_for_origin,
    lots_to_refresh_for_expiry,
    lots_with_open_violations,
    origin_problems_of,
    product_origin_reasons,
    product_origin_verified,
)
from traceability.selectors.provenance import (
    ProvenanceNode,
    has_inputs,
    lot_ids_descending_from,
    lot_ids_from_sites,
    lot_ids_in_provenance,
    lot_inputs_in_provenance,
    lot_provenance,
    site_ids_in_provenance,
)
from traceability.selectors.visibility import (
    audit_entries_visible_to,
    inspections_visible_to,
    lot_event_documents,
    lot_is_public,
    lot_visible_by_code,
    lot_visible_to,
    lots_visible_to,
    made_into_live_product,
    sees_every_trace_record,
    sees_internal_records_of,
    site_visible_to,
    sites_managed_by,
    sites_visible_to,
    trace_events_visible_to,
    violations_visible_to,
)

__all__ = [
    "ORIGIN_PROBLEMS",
    "PRODUCT_ORIGIN_PROBLEMS",
    "ProvenanceNode",
    "audit_entries_visible_to",
    "has_inputs",
    "inspections_visible_to",
    "lot_event_documents",
    "lot_ids_descending_from",
    "lot_ids_from_sites",
    "lot_ids_in_provenance",
    "lot_inputs_in_provenance",
    "lot_is_public",
    "lot_origin_problems",
    "lot_provenance",
    "lot_timeline",
    "lot_timelines",
    "lot_visible_by_code",
    "lot_visible_to",
    "lots_counting_for_origin",
    "lots_to_refresh_for_expiry",
    "lots_visible_to",
    "lots_with_open_violations",
    "made_into_live_product",
    "origin_problems_of",
    "product_origin_reasons",
    "product_origin_verified",
    "sees_every_trace_record",
    "sees_internal_records_of",
    "site_ids_in_provenance",
    "site_visible_to",
    "sites_managed_by",
    "sites_visible_to",
    "trace_events_read_by",
    "trace_events_visible_to",
    "violations_visible_to",
]
