from market.accounts.models import Address
from market.core.graphql.dataloaders import ByKeyLoader, GroupedByKeyLoader
from market.sellers import selectors
from market.sellers.models import Seller


class SellerByIdLoader(ByKeyLoader):
    every_row_of = Seller

    def rows(self, keys):
        return Seller.objects.select_related("address").in_bulk(keys).values()


class MembershipsByUserIdLoader(GroupedByKeyLoader):
    key_field = "user_id"

    def rows(self, keys):
        return selectors.memberships_of_users(keys)


class MembershipsBySellerIdLoader(GroupedByKeyLoader):
    key_field = "seller_id"

    def rows(self, keys):
        return selectors.memberships_of_sellers(keys)


class AddressByIdLoader(ByKeyLoader):
    """A seller's address when the seller was loaded without it (e.g. through a product)."""

    def rows(self, keys):
        return Address.objects.in_bulk(keys).values()


class PendingInvitationsByUserIdLoader(GroupedByKeyLoader):
    key_field = "user_id"

    def rows(self, keys):
        return selectors.invitations_pending_of_users(keys)


class PendingInvitationsBySellerIdLoader(GroupedByKeyLoader):
    key_field = "seller_id"

    def rows(self, keys):
        return selectors.invitations_pending_of_sellers(keys)
