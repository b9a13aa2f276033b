from django.apps import AppConfig


class ErasureConfig(AppConfig):
    name = "renkei.erasure"
    label = "erasure"
