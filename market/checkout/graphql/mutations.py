"""Every write of the checkout app: the buying flow and the sellers' shipping methods."""

from market.checkout.graphql.checkout_mutations import CheckoutFlowMutations
from market.checkout.graphql.shipping_mutations import ShippingMethodMutations


class CheckoutMutations(CheckoutFlowMutations, ShippingMethodMutations):
    """Writes of checkouts and shipping methods."""
