from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from market.demo.loader import KINDS, DemoDataError, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo catalog: the Ninh Thuận sellers named in the province's reports, with "
        "demo products, prices, stock, OCOP certificates and local demo accounts, and "
        "traceability (growing areas, packing houses, lots and their event chains, codes "
        "DEMO-, demo GTINs under GS1's demo prefix 952) through the traceability services. "
        "Safe to run again: it updates the catalog and skips traceability codes that exist."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                "delete the demo sellers, products, categories and accounts first, and the "
                "demo's traceability rows (sites and lots coded DEMO-, their append-only "
                "events and history: the append-only triggers are lifted for that one "
                "transaction, which on PostgreSQL needs the user owning the tables); refused, "
                "changing nothing, while other rows (orders, codes not DEMO-) point at them"
            ),
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help=(
                "load even though DEBUG is off: the demo accounts share one published "
                "password, so only do this on a machine nobody else can reach"
            ),
        )

    def handle(self, *args, reset, allow_without_debug, **options):
        if not settings.DEBUG and not allow_without_debug:
            # With DEBUG off this looks like production, where accounts with a password
            # printed in the README would be open doors.
            raise CommandError(
                "Refusing to load demo data with DEBUG=false: the demo accounts share a "
                "published password. Run with DEBUG=true (as `make run` does), or pass "
                "--allow-without-debug on a machine nobody else can reach."
            )
        try:
            summary = load_demo(reset=reset)
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        created = summary["created"]
        self.stdout.write("Demo data loaded (created by this run in brackets):")
        for kind in KINDS:
            label = kind.replace("_", " ")
            self.stdout.write(f"  {label:<22} {summary[kind]:>4}  ({created[kind]})")
        self.stdout.write("")
        self.stdout.write(f"Local demo accounts, all with the password {summary['password']!r}:")
        width = max(len(account["email"]) for account in summary["accounts"])
        for account in summary["accounts"]:
            seller = f" ({account['seller']})" if "seller" in account else ""
            self.stdout.write(f"  {account['email']:<{width}}  {account['role']}{seller}")
        self.stdout.write(
            "Prices, stock and OCOP certificates (numbers starting DEMO-) are demo values."
        )
