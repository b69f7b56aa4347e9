from django.urls import path

from payments import statement_views, views

urlpatterns = [
    path("vnpay/ipn", views.vnpay_ipn, name="payments-vnpay-ipn"),
    path("momo/ipn", views.momo_ipn, name="payments-momo-ipn"),
    path("bank/notify", views.bank_notify, name="payments-bank-notify"),
    path("stripe/webhook", views.stripe_webhook, name="payments-stripe-webhook"),
    path("<str:gateway>/return", views.payment_return, name="payments-return"),
    path("statement.csv", statement_views.statement_csv, name="payments-statement-csv"),
    path("statement.xlsx", statement_views.statement_xlsx, name="payments-statement-xlsx"),
]
