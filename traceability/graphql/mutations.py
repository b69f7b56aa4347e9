"""Traceability mutations: thin shells that decode IDs and call ``traceability.services``.

Each declares the role it needs (``Meta.permissions``); the services check the rest: a
seller's staff act on their own seller's codes and lots only (another seller's answers as
a missing one would), auditors of the agriculture department and operators decide on
codes, inspect and close violations.
"""

import graphene

from traceability.graphql.lot_mutations import (
    EventDeclareError,
    EventRecord,
    LotCreate,
    LotTransform,
    LotVerify,
)
from traceability.graphql.site_mutations import (
    GapCertificateAdd,
    GapCertificateRemove,
    InspectionRecord,
    SiteApprove,
    SiteRegister,
    SiteReinstate,
    SiteRevoke,
    SiteSuspend,
    SiteUpdate,
    ViolationClose,
)


class TraceabilityMutations(graphene.ObjectType):
    site_register = SiteRegister.Field()
    site_update = SiteUpdate.Field()
    gap_certificate_add = GapCertificateAdd.Field()
    gap_certificate_remove = GapCertificateRemove.Field()
    site_approve = SiteApprove.Field()
    site_suspend = SiteSuspend.Field()
    site_reinstate = SiteReinstate.Field()
    site_revoke = SiteRevoke.Field()
    inspection_record = InspectionRecord.Field()
    violation_close = ViolationClose.Field()
    lot_create = LotCreate.Field()
    lot_transform = LotTransform.Field()
    event_record = EventRecord.Field()
    event_declare_error = EventDeclareError.Field()
    lot_verify = LotVerify.Field()
