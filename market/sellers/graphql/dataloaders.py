from market.accounts.models import Address
from market.core.graphql.dataloaders import DataLoader, group_by
from market.sellers import selectors
from market.sellers.models import Seller


class SellerByIdLoader(DataLoader):
    def batch_load(self, keys):
        sellers = Seller.objects.select_related("address").in_bulk(keys)
        return [sellers.get(key) for key in keys]


class MembershipsByUserIdLoader(DataLoader):
    def batch_load(self, keys):
        memberships = group_by(selectors.memberships_of_users(keys), lambda m: m.user_id)
        return [memberships.get(key, []) for key in keys]


class MembershipsBySellerIdLoader(DataLoader):
    def batch_load(self, keys):
        memberships = group_by(selectors.memberships_of_sellers(keys), lambda m: m.seller_id)
        return [memberships.get(key, []) for key in keys]


class AddressByIdLoader(DataLoader):
    """A seller's address when the seller was loaded without it (e.g. through a product)."""

    def batch_load(self, keys):
        addresses = Address.objects.in_bulk(keys)
        return [addresses.get(key) for key in keys]


class PendingInvitationsByUserIdLoader(DataLoader):
    def batch_load(self, keys):
        invitations = group_by(selectors.invitations_pending_of_users(keys), lambda i: i.user_id)
        return [invitations.get(key, []) for key in keys]


class PendingInvitationsBySellerIdLoader(DataLoader):
    def batch_load(self, keys):
        invitations = group_by(
            selectors.invitations_pending_of_sellers(keys), lambda i: i.seller_id
        )
        return [invitations.get(key, []) for key in keys]
