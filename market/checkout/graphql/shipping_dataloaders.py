"""Batching for shipping methods: one query for the methods of every seller on a page."""

from market.checkout.shipping_selectors import shipping_methods_of_sellers_visible_to
from market.core.graphql.dataloaders import GroupedByKeyLoader


class ShippingMethodsBySellerIdLoader(GroupedByKeyLoader):
    """Each seller's methods that the request's user sees, cheapest first."""

    key_field = "seller_id"

    def rows(self, keys):
        return shipping_methods_of_sellers_visible_to(self.context.user, keys)
