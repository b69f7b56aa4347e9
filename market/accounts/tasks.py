"""Celery tasks of accounts: emails, sent outside the request that caused them."""

from celery import shared_task

from market.accounts import emails
from market.accounts.models import User


@shared_task(name="accounts.tasks.send_password_reset_email", ignore_result=True)
def send_password_reset_email(user_id: int) -> None:
    # The token is made here, from the account as it is now: none travels through the broker.
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        emails.send_password_reset(user)
