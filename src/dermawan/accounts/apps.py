from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dermawan.accounts"
    label = "accounts"
    verbose_name = "Accounts"
