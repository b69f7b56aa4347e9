import pytest

from tests.checkout.flow import shop_build
from tests.factories import StockFactory


@pytest.fixture
def shop():
    """Three sellers with two stocked variants and shipping methods each."""
    return shop_build()


@pytest.fixture
def variant():
    """A variant with 10 in stock."""
    return StockFactory(quantity=10).variant
