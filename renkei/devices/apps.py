from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "renkei.devices"
    label = "devices"
    verbose_name = "Devices"
