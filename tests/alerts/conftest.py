"""Fixtures of the alerts tests: the CAP 1.2 schema and a safe XML parser."""

import pytest
from lxml import etree


def safe_parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@pytest.fixture(scope="session")
def cap_schema():
    from tests.conftest import SHARED_DATA, need

    path = SHARED_DATA / "cap" / "cap12.xsd"
    need(path.is_file(), f"the CAP 1.2 schema is not at {path}")
    return etree.XMLSchema(etree.parse(str(path), safe_parser()))


@pytest.fixture
def parse_xml():
    def parse(data):
        return etree.fromstring(data, safe_parser())

    return parse
