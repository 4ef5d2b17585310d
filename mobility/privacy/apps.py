from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "mobility.privacy"
    label = "privacy"
    verbose_name = "Privacy (GDPR)"
