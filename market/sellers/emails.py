"""Seller emails: telling a person they are invited to a seller's staff."""

from django.utils.translation import gettext as _

from market.accounts.emails import in_recipient_language, send_to_user, set_password_link
from market.sellers.models import SellerInvitation, SellerMembership


def role_name(role: str) -> str:
    names = {SellerMembership.Role.OWNER: _("owner"), SellerMembership.Role.STAFF: _("staff")}
    return names[role]


def send_invitation(invitation: SellerInvitation) -> None:
    """Invite the person to answer; an account without a password also gets its link."""
    user = invitation.user
    with in_recipient_language(user):
        send_to_user(
            user,
            subject=_("You are invited to join %(seller)s on the Ninh Thuận OCOP marketplace")
            % {"seller": invitation.seller.name},
            template="sellers/email/invitation.txt",
            context={
                "seller": invitation.seller,
                "role": role_name(invitation.role),
                "expires_at": invitation.expires_at,
                "link": None if user.has_usable_password() else set_password_link(user),
            },
        )
