from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "renkei.attachments"
    label = "attachments"
