from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "renkei.documents"
    label = "documents"
