from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "dermawan.banking"
    label = "banking"
    verbose_name = "bank accounts, bank files and reconciliation"
