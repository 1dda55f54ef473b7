from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevtoolsConfig(AppConfig):
    """Development data and measurement, kept out of the domain apps: the demo town
    (`gongkai demo`), synthetic data at scale (`gongkai seed`, the generators in
    `devtools.synthetic`) and `gongkai bench`. No models of its own."""

    name = "gongkai.devtools"
    verbose_name = _("Developer tools")
