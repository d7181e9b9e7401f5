"""Fixtures of the alerts tests: the CAP 1.2 schema and a safe XML parser."""

import pytest
from lxml import etree


@pytest.fixture(autouse=True)
def english_messages():
    """Assertions read the English messages; the Chinese are in locale/."""
    from django.utils import translation

    with translation.override("en"):
        yield


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


@pytest.fixture
def warning_form_data(categories):
    """POST data of the WarningPage admin form, as the editor submits it."""
    from django.utils.datastructures import MultiValueDict
    from wagtail.test.utils.form_data import (
        inline_formset,
        nested_form_data,
        rich_text,
        streamfield,
    )

    def build(**overrides):
        values = {
            "title": "儿童电动玩具电池过热风险警示",
            "title_en": "Electric toy batteries overheat",
            "slug": "toy-batteries",
            "level": "3",
            "kind": "public_announcement",
            "direction": "import",
            "start_time": "2026-12-01 09:00",
            "summary_zh": "部分儿童电动玩具的锂电池在充电时过热。",
            "summary_en": "Lithium batteries in some toys overheat.",
            "categories": [str(categories["toys-electric"].pk)],
            "hazards": ["physical", "chemical"],
            "measures": ["recall", "sales_suspension"],
            "hs_codes": "9503 950300",
            "advice_zh": "立即停止充电。",
            "sms_text": "部分儿童电动玩具电池过热，请停止充电使用。",
            "body": streamfield([("paragraph", rich_text("<p>正文</p>"))]),
            "body_en": streamfield([]),
            "comments": inline_formset([]),
        }
        values.update(overrides)
        choices = {k: v for k, v in values.items() if isinstance(v, list)}
        data = MultiValueDict()
        for key, value in nested_form_data(
            {k: v for k, v in values.items() if k not in choices}
        ).items():
            data.setlist(key, [value])
        for key, value in choices.items():
            data.setlist(key, value)
        return data

    return build
