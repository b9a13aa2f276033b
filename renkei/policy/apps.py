from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "renkei.policy"
    label = "policy"
    verbose_name = "Regional policy"
