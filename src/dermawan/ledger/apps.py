from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "dermawan.ledger"
    label = "ledger"
    verbose_name = "double-entry ledger"
