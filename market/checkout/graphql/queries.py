"""Every read of the checkout app."""

from market.checkout.graphql.checkout_queries import CheckoutFlowQueries
from market.checkout.graphql.shipping_queries import ShippingMethodQueries


class CheckoutQueries(CheckoutFlowQueries, ShippingMethodQueries):
    """Reads of checkouts and shipping methods."""
