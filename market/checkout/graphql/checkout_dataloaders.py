"""Batching for checkouts: everything a checkout shows comes from one state per checkout,
loaded for all the request's checkouts at once (``market.checkout.selectors.checkout_states``:
three queries whatever the number of lines and sellers)."""

from market.checkout.models import Checkout
from market.checkout.selectors import checkout_states
from market.core.graphql.dataloaders import ByKeyLoader, DataLoader


class CheckoutStateLoader(DataLoader):
    """Keyed by the ``Checkout`` itself (its address decides the shipping methods); a
    mutation that changed a checkout clears its key before answering it."""

    def batch_load(self, keys):
        states = checkout_states(list(keys))
        return [states[key.pk] for key in keys]


class CheckoutByUserIdLoader(ByKeyLoader):
    """Each user's open checkout (there is at most one), or None."""

    key_field = "user_id"

    def rows(self, keys):
        return Checkout.objects.filter(user_id__in=keys)
