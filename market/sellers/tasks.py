"""Celery tasks of sellers: emails, sent outside the request that caused them."""

from celery import shared_task

from market.sellers import emails
from market.sellers.models import SellerInvitation


@shared_task(name="sellers.tasks.send_invitation_email", ignore_result=True)
def send_invitation_email(invitation_id: int) -> None:
    invitation = (
        SellerInvitation.objects.select_related("seller", "user")
        .filter(pk=invitation_id, status=SellerInvitation.Status.PENDING)
        .first()
    )
    # Revoked or expired before the worker got to it: an email would invite to nothing.
    if invitation is not None and not invitation.is_expired() and invitation.user.is_active:
        emails.send_invitation(invitation)
