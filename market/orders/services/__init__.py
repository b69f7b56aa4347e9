"""Every write of orders, one module per subject.

- ``placement``: ``order_place``, called by checkout's completion;
- ``allocation``: the stock arithmetic (the one place that writes allocations);
- ``status``: the table of allowed moves of a seller order, its events, the order's state;
- ``access``: who may act on which order or seller order (permission before existence);
- ``fulfilment``: confirm, ship (with lots), deliver, return;
- ``cancellation``: a seller order, or all of an order not yet shipped;
- ``payment``: ``order_mark_paid``, for the payment gateways;
- ``expiry``: unpaid online orders past their time.

Emails are queued with ``transaction.on_commit`` as ``market.orders.tasks``.
"""
