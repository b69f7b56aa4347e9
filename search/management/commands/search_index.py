"""``manage.py search_index --rebuild | --status``."""

import json

from django.core.management.base import BaseCommand, CommandError

from market.core.models import ChangeRecord
from search import indices, services


class Command(BaseCommand):
    help = "Rebuild the product search index behind its alias, or show where the alias points."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument(
            "--rebuild",
            action="store_true",
            help="Fill a new versioned index, swap the alias to it atomically, drop the old one.",
        )
        group.add_argument("--status", action="store_true", help="Show the alias and indices.")

    def handle(self, *args, **options):
        if options["rebuild"]:
            try:
                report = services.rebuild_index()
            except indices.IndexingError as error:
                raise CommandError(str(error)) from error
            if report.index:
                self.stdout.write(
                    f"Indexed {report.indexed} products into {report.index}; "
                    f"alias {indices.alias_name()} now points to it."
                )
            self.stdout.write(f"Database search text: {report.search_text_rows} products.")
            return
        state = {"backend": "elasticsearch" if indices.elasticsearch_enabled() else "database"}
        if indices.elasticsearch_enabled():
            state.update(indices.status())
        state["outbox_pending"] = ChangeRecord.objects.count()
        self.stdout.write(json.dumps(state, indent=2, ensure_ascii=False))
