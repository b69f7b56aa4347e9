from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and its `load_demo` command; above every app it fills, so no app imports it."""

    name = "market.demo"
    label = "demo"
