from gongkai.disclosures.tests.conftest import (  # noqa: F401  (fixtures)
    CHECKLIST,
    draft,
    item_key,
    published,
    village_catalog,
)
