"""What orders announce to the apps above them (which orders must not import).

``seller_order_cancelled`` is sent inside the cancelling transaction with the part
(``sender`` is ``SellerOrder``, ``seller_order`` the part, ``by`` who cancelled): the
payments app listens to refund a paid part's share.
"""

from django.dispatch import Signal

seller_order_cancelled = Signal()
