from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gongyue.api"
    label = "api"
    verbose_name = "API"
