from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "geoportal.accounts"
    label = "accounts"
    verbose_name = "Accounts and departments"
