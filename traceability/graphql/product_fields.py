"""``Product.origin``: traceability sits above catalog, so it defines the field that
catalog's ``Product`` type mounts with ``market.core.graphql.fields.field_from``.

On a page of products the origin costs the same queries at any page size: the reasons
come from one query for the page, and ``lots(first:)`` from one windowed query and one
count (``FirstLotsByProductIdLoader``). Paging further into one product's lots
(``after``, ``last``) is the ordinary connection, one product at a time.
"""

import graphene

from market.core.graphql.connection import connection_arguments, paginate
from market.core.graphql.dataloaders import then
from market.core.pagination import MAX_PAGE_SIZE, encode_cursor
from traceability.graphql.dataloaders import (
    FirstLotsByProductIdLoader,
    OriginReasonsByProductIdLoader,
)
from traceability.graphql.enums import OriginProblemEnum
from traceability.graphql.lot_types import LotCountableConnection
from traceability.graphql.queries import NEWEST_FIRST
from traceability.models import Lot


def _batched_page(rows_and_total) -> LotCountableConnection:
    rows, total = rows_and_total
    edge_type = LotCountableConnection.Edge
    edges = [edge_type(node=lot, cursor=encode_cursor([lot.created_at, lot.pk])) for lot in rows]
    return LotCountableConnection(
        edges=edges,
        page_info=graphene.relay.PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_next_page=total > len(rows),
            has_previous_page=False,
        ),
        total_count=total,
    )


class ProductOrigin(graphene.ObjectType):
    verified = graphene.Boolean(
        required=True, description="At least one verified lot of it has quantity left."
    )
    reasons = graphene.List(
        graphene.NonNull(OriginProblemEnum),
        required=True,
        description="Why it is not verified; empty when it is.",
    )
    lots = graphene.Field(
        LotCountableConnection,
        required=True,
        description="The product's lots, newest first.",
        **connection_arguments(),
    )

    class Meta:
        description = "Where a product comes from, through its lots."

    @staticmethod
    def resolve_verified(root, _info):
        return root.origin_verified

    @staticmethod
    def resolve_reasons(root, info):
        if root.origin_verified:
            return []
        return OriginReasonsByProductIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_lots(root, info, first=None, last=None, after=None, before=None):
        # The lots of a product the caller may see are lots the caller may see (see the
        # loader), so no visibility filter is added here.
        simple = last is None and after is None and before is None
        if simple and isinstance(first, int) and 0 <= first <= MAX_PAGE_SIZE:
            return then(
                FirstLotsByProductIdLoader(info.context, first).load(root.pk), _batched_page
            )
        return paginate(
            Lot.objects.filter(product_id=root.pk),
            connection_type=LotCountableConnection,
            sort_keys=NEWEST_FIRST,
            first=first,
            last=last,
            after=after,
            before=before,
        )


def product_origin_field() -> graphene.Field:
    return graphene.Field(
        ProductOrigin,
        required=True,
        description="The product's verified origin, from its traceability lots.",
        resolver=lambda root, _info: root,
    )
