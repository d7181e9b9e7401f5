"""`import_recalls` and `import_blacklist` on the real records and on our
own template: idempotent, row-numbered errors, good rows kept."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from alerts.models import BlacklistEntry, Company, RecallEntry

TEMPLATE_HEADER = (
    "reference,product,recall_date,category,brand,barcode,origin,manufacturer,"
    "hazard,remedy,units,recall_type\n"
)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("path", "format_name", "expected"),
    [
        ("recalls/health-canada/rawdata_consumer.csv", "healthcanada", 200),
        ("recalls/health-canada/food_cleaned.csv", "healthcanada", 199),  # a repeat
        ("recalls/eu-safety-gate/safety_gate_f363684.json", "safetygate", 200),
        ("recalls/us-fda-usda-food/food_safety_recalls.json", "fda", 199),  # a repeat
    ],
)
def test_a_real_export_imports_once_and_a_rerun_changes_nothing(
    categories, shared_data, path, format_name, expected
):
    # The first 200 rows of each file keep the test quick; every row goes
    # through the same code.
    file = str(shared_data / path)

    first, _ = run("import_recalls", file, "--format", format_name, "--limit", "200")
    count = RecallEntry.objects.filter(source=format_name, live=True).count()
    second, _ = run("import_recalls", file, "--format", format_name, "--limit", "200")

    assert count == expected
    assert f"{expected} created" in first
    assert RecallEntry.objects.filter(source=format_name).count() == expected
    assert f"0 created, 0 updated, {expected} unchanged" in second


def test_health_canada_companies_and_safety_gate_barcodes_are_kept(
    categories, shared_data
):
    run(
        "import_recalls",
        str(shared_data / "recalls/health-canada/rawdata_consumer.csv"),
        "--format",
        "healthcanada",
        "--limit",
        "20",
    )
    _, errors = run(
        "import_recalls",
        str(shared_data / "recalls/eu-safety-gate/safety_gate_42f2ca7.json"),
        "--format",
        "safetygate",
    )

    laundress = RecallEntry.objects.get(product="The Laundress fabric conditioners.")
    assert list(laundress.companies.values_list("name", flat=True)) == ["The Laundress"]
    assert laundress.hazard == "chemical"
    perfume = RecallEntry.objects.get(source_id="A12/00007/23")
    assert perfume.barcode == "8715658002512"
    assert perfume.category.code == "cosmetics"
    assert "barcode: 871565899960 is not a GTIN" in errors


def test_bad_template_rows_are_reported_by_row_and_field_and_the_good_kept(
    categories, tmp_path
):
    file = tmp_path / "recalls.csv"
    file.write_text(
        TEMPLATE_HEADER
        + "R-1,儿童电动玩具,2025-11-20,toys-electric,示例牌,6901234567892,CN,示例厂,"
        "physical,refund,100,ordered\n"
        + "R-2,坏条码玩具,2025-11-20,toys,示例牌,6901234567893,CN,,,,,\n"
        + "R-3,坏日期玩具,2025-13-40,toys,,,,,,,,\n"
        + "R-4,未知分类,2025-11-20,nonsense,,,,,,,,\n"
        + "R-5,移动电源（充电宝）,2025-10-08,electrical-chargers,,,,,,,,\n",
        encoding="utf-8",
    )

    out, errors = run("import_recalls", str(file), "--format", "csv")

    assert "2 created" in out and "3 rows skipped" in out
    assert "row 3, barcode: The check digit of barcode 6901234567893" in errors
    assert "row 4, recall_date:" in errors
    assert "row 5, category: 'nonsense' is no category code" in errors
    entry = RecallEntry.objects.get(source_id="R-1")
    assert (entry.barcode, entry.units, entry.recall_type) == (
        "6901234567892",
        100,
        "ordered",
    )
    assert entry.live and entry.revisions.count() == 1


def test_a_rerun_of_an_edited_template_updates_instead_of_duplicating(
    categories, tmp_path
):
    file = tmp_path / "recalls.csv"
    file.write_text(
        TEMPLATE_HEADER + "R-1,儿童电动玩具,2025-11-20,toys,,,,,,,,\n", encoding="utf-8"
    )
    run("import_recalls", str(file), "--format", "csv")
    file.write_text(
        TEMPLATE_HEADER + "R-1,儿童电动玩具（更正）,2025-11-20,toys,,,,,,,,\n",
        encoding="utf-8",
    )

    out, _ = run("import_recalls", str(file), "--format", "csv")

    assert "0 created, 1 updated" in out
    assert list(RecallEntry.objects.values_list("product", flat=True)) == [
        "儿童电动玩具（更正）"
    ]


def test_the_template_reads_from_excel_too(categories, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Reference", "Product", "Recall_date", "Category", "Units"])
    sheet.append(["X-1", "婴儿推车", "2025-09-15", "childcare-strollers", 3100])
    book.save(tmp_path / "recalls.xlsx")

    run("import_recalls", str(tmp_path / "recalls.xlsx"), "--format", "csv")

    entry = RecallEntry.objects.get(source_id="X-1")
    assert (entry.product, entry.units, str(entry.recall_date)) == (
        "婴儿推车",
        3100,
        "2025-09-15",
    )


def test_a_file_without_the_needed_columns_is_refused_with_what_is_missing(
    categories, tmp_path
):
    file = tmp_path / "recalls.csv"
    file.write_text("product,brand\n玩具,示例\n", encoding="utf-8")

    with pytest.raises(CommandError, match="lacks the column.*reference"):
        run("import_recalls", str(file), "--format", "csv")


def test_blacklist_import_checks_credit_codes_and_keys_on_decision_number(
    categories, tmp_path
):
    file = tmp_path / "blacklist.csv"
    header = "decision_number,company_name,credit_code,violation,listed_on\n"
    file.write_text(
        header
        + "D-1,杭州示例电子科技有限公司,91330100MA2DEM001H,虚标容量,2025-03-12\n"
        + "D-2,坏代码公司,91330100MA2DEM001X,虚标容量,2025-03-12\n",
        encoding="utf-8",
    )

    out, errors = run("import_blacklist", str(file))
    again, _ = run("import_blacklist", str(file))

    assert "1 created" in out
    assert "row 3, credit_code: The check character" in errors
    assert "0 created, 0 updated, 1 unchanged" in again
    entry = BlacklistEntry.objects.get()
    assert entry.company == Company.objects.get(credit_code="91330100MA2DEM001H")
