from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from market.schema import schema

DEFAULT_PATH = Path(settings.BASE_DIR) / "schema.graphql"


def printed_schema() -> str:
    return str(schema).rstrip() + "\n"


class Command(BaseCommand):
    help = "Write the GraphQL schema (SDL) to schema.graphql, or --check that it is current."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(DEFAULT_PATH))
        parser.add_argument(
            "--check", action="store_true", help="fail when the file differs from the code"
        )

    def handle(self, *args, path, check, **options):
        target = Path(path)
        current = printed_schema()
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != current:
                raise CommandError(
                    f"{target} is out of date: run `python manage.py export_schema`."
                )
            self.stdout.write(f"{target} is up to date.")
            return
        target.write_text(current, encoding="utf-8")
        self.stdout.write(f"Wrote {target}.")
