from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "renkei.facilities"
    label = "facilities"
    verbose_name = "Facilities"
