from market.core.graphql.dataloaders import DataLoader
from market.sellers.models import Seller


class SellerByIdLoader(DataLoader):
    def batch_load(self, keys):
        sellers = Seller.objects.select_related("address").in_bulk(keys)
        return [sellers.get(key) for key in keys]
