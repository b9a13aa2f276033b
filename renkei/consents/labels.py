"""Labels this app adds to other apps' enums (its audit events and notification kind), named
here so that their Japanese lives in this app's catalog beside the rest of consent."""

from django.utils.translation import gettext_lazy as _

LABELS = (
    _("Consent recorded"),
    _("Consent withdrawn"),
    _("Signed consent form viewed"),
    _("Consent form issued"),
    _("Consent withdrawn: archive or delete the group"),
    _(
        "%(actor)s recorded that consent was withdrawn in %(space)s: archive it or request its "
        "complete deletion"
    ),
)
