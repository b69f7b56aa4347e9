from django.urls import include, path

urlpatterns = [
    path("vnpay/", include("payments.sandbox.vnpay")),
    path("momo/", include("payments.sandbox.momo")),
    path("bank/", include("payments.sandbox.bank")),
]
