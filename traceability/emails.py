"""Traceability emails: telling a seller's staff that an auditor changed a code's status."""

from django.utils.translation import gettext as _

from market.accounts.emails import in_recipient_language, send_to_user
from traceability.models import Site, SiteStatusChange


def _subject(change: SiteStatusChange) -> str:
    subjects = {
        Site.Status.SUSPENDED: _("Code %(code)s has been suspended"),
        Site.Status.REVOKED: _("Code %(code)s has been revoked"),
        Site.Status.ACTIVE: _("Code %(code)s has been reinstated"),
    }
    return subjects[change.to_status] % {"code": change.site.code}


def send_site_status_change(change: SiteStatusChange) -> int:
    """One email to each active owner and staff member of the site's seller; returns how many."""
    site = change.site
    members = site.seller.memberships.select_related("user").filter(user__is_active=True)
    sent = 0
    for membership in members.order_by("pk"):
        user = membership.user
        if not user.email:
            continue
        with in_recipient_language(user):
            send_to_user(
                user,
                subject=_subject(change),
                template="traceability/email/site_status.txt",
                context={
                    "site": site,
                    "seller": site.seller,
                    "change": change,
                    "kind": _("growing area")
                    if site.kind == Site.Kind.GROWING_AREA
                    else _("packing house"),
                },
            )
        sent += 1
    return sent
