from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "market.checkout"
    label = "checkout"
