"""Orders work done outside the request: thin wrappers around the services and emails.

The services import this module to queue emails on commit, so the emails module is
imported when a task runs, not when this one loads.
"""

from celery import shared_task


@shared_task(name="orders.expire_unpaid_orders")
def expire_unpaid_orders() -> int:
    """Run every minute by Celery beat (``CELERY_BEAT_SCHEDULE``): unpaid online orders past
    their time give their stock back."""
    from market.orders.services import expiry

    return expiry.orders_expire_unpaid()


@shared_task(name="orders.send_order_placed_emails", ignore_result=True)
def send_order_placed_emails(order_id: int) -> int:
    """The buyer's "placed" email and each seller's "new order" email; how many were sent."""
    from market.orders import emails

    return emails.send_order_placed_emails(order_id)


@shared_task(name="orders.send_seller_order_shipped_email", ignore_result=True)
def send_seller_order_shipped_email(seller_order_id: int) -> int:
    from market.orders import emails

    return emails.send_seller_order_shipped(seller_order_id)


@shared_task(name="orders.send_seller_order_cancelled_email", ignore_result=True)
def send_seller_order_cancelled_email(seller_order_id: int) -> int:
    from market.orders import emails

    return emails.send_seller_order_cancelled(seller_order_id)


@shared_task(name="orders.send_order_cancelled_email", ignore_result=True)
def send_order_cancelled_email(order_id: int) -> int:
    from market.orders import emails

    return emails.send_order_cancelled(order_id)
