from django.core.management.base import BaseCommand

from province.services.registry_matching import registry_rematch


class Command(BaseCommand):
    help = (
        "Match the department's OCOP registry again to the marketplace's certificates: by "
        "certificate number, else a suggestion by product and seller name. Entries a person "
        "matched stay as they are, and rejected suggestions are not made again. Run it after "
        "sellers submit certificates (nightly, or by hand); imports run it themselves."
    )

    def handle(self, *args, **options):
        counts = registry_rematch()
        self.stdout.write(", ".join(f"{status}: {count}" for status, count in counts.items()))
