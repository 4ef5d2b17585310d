from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mobility.accounts"
    label = "accounts"
    verbose_name = "Users and roles"
