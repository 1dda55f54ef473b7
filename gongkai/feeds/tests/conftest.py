"""The feeds' tests speak about the portal's tree, catalog and disclosures."""

from __future__ import annotations

from gongkai.portal.tests import conftest as portal

village_catalog = portal.village_catalog
draft = portal.draft
shown = portal.shown
