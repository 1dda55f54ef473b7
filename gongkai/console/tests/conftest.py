"""The catalog fixtures (the town's published catalog, the village's inherited layer) for
the console's catalog pages."""

from gongkai.catalog.tests.conftest import town_catalog, village_catalog  # noqa: F401
from gongkai.compliance.tests.conftest import catalogs  # noqa: F401  (dashboards)
