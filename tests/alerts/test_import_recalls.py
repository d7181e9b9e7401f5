"""`import_recalls` and `import_blacklist` on the real records and on our
own template: idempotent, row-numbered errors, good rows kept."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from alerts.importers.base import clean_text
from alerts.models import BlacklistEntry, Company, RecallEntry

HEALTH_CANADA = "recalls/health-canada"
SAFETY_GATE = "recalls/eu-safety-gate"
FDA = "recalls/us-fda-usda-food/food_safety_recalls.json"

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
        ("recalls/us-fda-usda-food/food_safety_recalls.json", "fda", 200),
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


def excerpt_csv(source, rows, destination):
    """The header and the given data rows (0 = the first) of a real CSV
    export, as a file of its own: the real records, fewer of them."""
    with open(source, newline="", encoding="utf-8-sig") as file:
        table = list(csv.reader(file))
    with open(destination, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([table[0]] + [table[1 + row] for row in rows])
    return str(destination)


def excerpt_json(source, keep, destination):
    with open(source, encoding="utf-8") as file:
        items = [item for item in json.load(file) if keep(item)]
    destination.write_text(json.dumps(items), encoding="utf-8")
    return str(destination), items


def entry_snapshot():
    """What each entry holds, by primary key (which an update keeps)."""
    fields = [f.name for f in RecallEntry._meta.concrete_fields]
    snapshot = {}
    for entry in RecallEntry.objects.all():
        values = {name: getattr(entry, name) for name in fields}
        values["companies"] = set(entry.companies.values_list("name", flat=True))
        snapshot[entry.pk] = values
    return snapshot


def assert_nothing_filled_was_emptied(before, after):
    for pk, values in before.items():
        for name, value in values.items():
            if value not in (None, "", set()):
                assert after[pk][name] not in (None, "", set()), (pk, name, value)
        assert values["companies"] <= after[pk]["companies"], pk


# Rows 0-5 of the raw consumer export name companies; 336-340 have no RA-
# number, 341 on have one. The cleaned export has the same records in the
# same order, without brand, product, companies or RA- number.
HEALTH_CANADA_ROWS = [*range(6), *range(336, 350)]


@pytest.mark.parametrize(
    "order",
    [
        ("rawdata_consumer.csv", "consumer_cleaned.csv"),
        ("consumer_cleaned.csv", "rawdata_consumer.csv"),
    ],
)
def test_both_health_canada_exports_make_one_entry_per_recall_and_lose_nothing(
    categories, shared_data, tmp_path, order
):
    files = {
        name: excerpt_csv(
            shared_data / HEALTH_CANADA / name, HEALTH_CANADA_ROWS, tmp_path / name
        )
        for name in order
    }
    with open(files["rawdata_consumer.csv"], encoding="utf-8") as file:
        raw = list(csv.DictReader(file))

    run("import_recalls", files[order[0]], "--format", "healthcanada")
    first = entry_snapshot()
    out, _ = run("import_recalls", files[order[1]], "--format", "healthcanada")

    assert "0 created" in out
    assert RecallEntry.objects.count() == len(HEALTH_CANADA_ROWS)
    assert_nothing_filled_was_emptied(first, entry_snapshot())
    by_title = {" ".join(e.defect.split()): e for e in RecallEntry.objects.all()}
    for row in raw:
        number = row["Identification number:"] or row["Identification number"]
        entry = by_title[" ".join(row["Item"].split())]
        if number:
            assert entry.source_id == number
        if row["Product"]:
            assert entry.product == clean_text(row["Product"])
        if row["Companies"]:
            assert entry.companies.exists()
        if row["Brand"]:
            assert entry.brand == clean_text(row["Brand"])


def _safety_gate_excerpts(shared_data, tmp_path):
    """Both Safety Gate exports cut down to eight of the alerts they share,
    three of the national records they share and two of their own each."""
    paths = [
        shared_data / SAFETY_GATE / f"safety_gate_{v}.json"
        for v in ("f363684", "42f2ca7")
    ]
    lists = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    numbers = [{i.get("alert_number") for i in items} - {None} for items in lists]
    shared = sorted(numbers[0] & numbers[1])[:8]
    own = [sorted(numbers[0] - numbers[1])[:2], sorted(numbers[1] - numbers[0])[:2]]
    names = [
        {i["product_name"] for i in items if not i.get("alert_number")}
        for items in lists
    ]
    national = sorted(names[0] & names[1])[:3]
    excerpts = {}
    for path, mine in zip(paths, own, strict=True):
        excerpts[path.stem] = excerpt_json(
            path,
            lambda item, mine=mine: (
                item.get("alert_number") in {*shared, *mine}
                or (not item.get("alert_number") and item["product_name"] in national)
            ),
            tmp_path / path.name,
        )
    return excerpts, shared


@pytest.mark.parametrize(
    "order",
    [
        ("safety_gate_f363684", "safety_gate_42f2ca7"),
        ("safety_gate_42f2ca7", "safety_gate_f363684"),
    ],
)
def test_both_safety_gate_exports_make_one_entry_per_alert_and_lose_nothing(
    categories, shared_data, tmp_path, order
):
    excerpts, shared = _safety_gate_excerpts(shared_data, tmp_path)
    detailed = {i.get("alert_number"): i for i in excerpts["safety_gate_f363684"][1]}

    run("import_recalls", excerpts[order[0]][0], "--format", "safetygate")
    first = entry_snapshot()
    run("import_recalls", excerpts[order[1]][0], "--format", "safetygate")

    assert RecallEntry.objects.count() == 8 + 3 + 2 + 2
    assert_nothing_filled_was_emptied(first, entry_snapshot())
    for number in shared:
        entry = RecallEntry.objects.get(source_id=number)
        alert = detailed[number]
        assert entry.defect == clean_text(alert["risk_description"])
        assert entry.remedy_text
        assert entry.recall_date is not None


def test_safety_gate_dates_come_from_the_record_and_a_bare_year_is_marked(
    categories, shared_data, tmp_path
):
    wanted = {"A12/00328/22", "A12/01050/22"}
    path, items = excerpt_json(
        shared_data / SAFETY_GATE / "safety_gate_f363684.json",
        lambda item: (
            item.get("alert_number") in wanted
            or "Date of entry into force: 03/10/2023"
            in (item.get("measures_authorities") or "")
        ),
        tmp_path / "alerts.json",
    )

    run("import_recalls", path, "--format", "safetygate")

    in_force = RecallEntry.objects.filter(recall_date="2023-10-03")
    assert in_force.exists()
    assert {e.recall_date_precision for e in in_force} == {"day"}
    # Its measures give no date ("Unknown"): the alert number's year.
    opel = RecallEntry.objects.get(source_id="A12/00328/22")
    assert (str(opel.recall_date), opel.recall_date_precision) == ("2022-01-01", "year")
    assert not RecallEntry.objects.filter(recall_date__isnull=True).exists()


def test_a_year_only_date_never_replaces_a_day(categories, shared_data, tmp_path):
    excerpts, shared = _safety_gate_excerpts(shared_data, tmp_path)
    run("import_recalls", excerpts["safety_gate_f363684"][0], "--format", "safetygate")
    days = {
        e.source_id: e.recall_date
        for e in RecallEntry.objects.filter(recall_date_precision="day")
    }

    run("import_recalls", excerpts["safety_gate_42f2ca7"][0], "--format", "safetygate")

    assert days
    for number, date in days.items():
        assert RecallEntry.objects.get(source_id=number).recall_date == date


def test_usda_recalls_are_keyed_by_their_number_and_fda_origin_is_not_assumed(
    categories, shared_data, tmp_path
):
    # The export gives these two FSIS recalls the same uid.
    path, _ = excerpt_json(
        shared_data / FDA,
        lambda item: (
            item["uid"] == "f232f339-1d92-4f47-9b73-1fa1ca991863"
            or "Imported From Vietnam" in (item["title"] or "")
            or item["uid"] == "c34cf1ee-ca06-4025-b2f9-9942af599f55"
        ),
        tmp_path / "fda.json",
    )

    run("import_recalls", path, "--format", "fda")

    assert (
        RecallEntry.objects.filter(
            source_id__in=["013-2025", "PHA-05012025-01"]
        ).count()
        == 2
    )
    assert {
        e.origin.code for e in RecallEntry.objects.filter(product__contains="Vietnam")
    } == {"VN"}
    formula = RecallEntry.objects.get(source_id="c34cf1ee-ca06-4025-b2f9-9942af599f55")
    assert not formula.origin
    assert not RecallEntry.objects.filter(origin="US").exists()


def test_health_canada_company_blocks_give_each_company_its_role(
    categories, shared_data, tmp_path
):
    path = excerpt_csv(
        shared_data / HEALTH_CANADA / "rawdata_consumer.csv",
        range(40),
        tmp_path / "hc.csv",
    )

    run("import_recalls", path, "--format", "healthcanada")

    scooter = (
        RecallEntry.objects.filter(companies__name="Jetson Bikes").distinct().get()
    )
    roles = {(link.company.name, link.role) for link in scooter.company_roles.all()}
    assert ("Costco Canada", "importer") in roles
    assert ("Jetson Bikes", "manufacturer") in roles
    laundress = RecallEntry.objects.get(product="The Laundress fabric conditioners.")
    assert [(c.company.name, c.role) for c in laundress.company_roles.all()] == [
        ("The Laundress", "distributor")
    ]


def test_bad_rows_of_a_real_export_are_reported_by_row_and_field_and_the_good_kept(
    categories, shared_data, tmp_path
):
    path = excerpt_csv(
        shared_data / HEALTH_CANADA / "consumer_cleaned.csv",
        range(4),
        tmp_path / "hc.csv",
    )
    with open(path, encoding="utf-8") as file:
        table = list(csv.reader(file))
    table[2][table[0].index("Date")] = "31/03/2023"  # row 3 of the file
    with open(path, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(table)

    out, errors = run("import_recalls", path, "--format", "healthcanada")

    assert "3 created" in out and "1 rows skipped" in out
    assert "row 3, Date: '31/03/2023' is not a date (YYYY-MM-DD)" in errors
    assert RecallEntry.objects.filter(live=True).count() == 3


def test_an_import_shows_its_progress_on_standard_error(categories, tmp_path, capsys):
    file = tmp_path / "recalls.csv"
    file.write_text(
        TEMPLATE_HEADER
        + "P-1,儿童电动玩具,2025-11-20,toys,,,,,,,,\n"
        + "P-2,婴儿推车,2025-11-21,childcare-strollers,,,,,,,,\n",
        encoding="utf-8",
    )

    out = io.StringIO()
    call_command("import_recalls", str(file), "--format", "csv", stdout=out)

    progress = capsys.readouterr().err
    assert "recalls.csv" in progress
    assert "2/2" in progress and "100%" in progress
    assert "2 created" in out.getvalue()
