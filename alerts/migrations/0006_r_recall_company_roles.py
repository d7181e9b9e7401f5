"""Recall companies get a role; recalls get a second identifier at the source
and the precision of their date; credit codes are kept in upper case.

The links between recalls and companies move to a table of their own
(`RecallCompany`), each with the role "other" until an import names it. The
data steps also bring existing rows in line with what the importers now do,
so that importing an export again finds the entries it made before.
"""

import datetime
import hashlib
import re

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models

import alerts.codes
import alerts.models.registers


def _stable_id(*parts):
    # The importers' hash of a record without a number (frozen here, as a
    # migration must not follow later changes of the code).
    text = "\x1f".join(str(p or "").strip() for p in parts)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def forward(apps, schema_editor):
    RecallEntry = apps.get_model("alerts", "RecallEntry")
    RecallCompany = apps.get_model("alerts", "RecallCompany")
    Company = apps.get_model("alerts", "Company")
    BlacklistEntry = apps.get_model("alerts", "BlacklistEntry")

    links = RecallEntry.companies.through.objects.values_list(
        "recallentry_id", "company_id"
    )
    RecallCompany.objects.bulk_create(
        RecallCompany(recall_id=recall, company_id=company, role="other")
        for recall, company in links.iterator()
    )

    for company in Company.objects.exclude(credit_code__isnull=True):
        code = company.credit_code.strip().upper()
        taken = Company.objects.filter(credit_code=code).exclude(pk=company.pk)
        if code != company.credit_code and not taken.exists():
            Company.objects.filter(pk=company.pk).update(credit_code=code or None)
    for entry in BlacklistEntry.objects.all():
        code = entry.credit_code.strip().upper()
        if code != entry.credit_code:
            BlacklistEntry.objects.filter(pk=entry.pk).update(credit_code=code)

    recalls = RecallEntry.objects.all()
    # Health Canada: an entry keyed by its RA- number is found by the cleaned
    # export through the hash of its date and title.
    for entry in recalls.filter(
        source="healthcanada", source_id__startswith="RA-", source_alias=""
    ).exclude(recall_date__isnull=True):
        alias = "hc-" + _stable_id(entry.recall_date.isoformat(), entry.defect)
        recalls.filter(pk=entry.pk).update(source_alias=alias)
    # USDA recalls are keyed by their FSIS number, which the importer kept as
    # the batch; FDA recalls keep their uid.
    for entry in recalls.filter(source="fda").exclude(batch=""):
        taken = recalls.filter(source="fda", source_id=entry.batch)
        if entry.batch != entry.source_id and not taken.exists():
            recalls.filter(pk=entry.pk).update(source_id=entry.batch)
    # Safety Gate: the year of the alert number, until a re-import gives a day.
    for entry in recalls.filter(source="safetygate", recall_date__isnull=True):
        year = re.search(r"/(\d{2})$", entry.source_id)
        if year:
            recalls.filter(pk=entry.pk).update(
                recall_date=datetime.date(2000 + int(year.group(1)), 1, 1),
                recall_date_precision="year",
            )


def backward(apps, schema_editor):
    # Roles have nowhere to go; the links themselves are kept.
    RecallEntry = apps.get_model("alerts", "RecallEntry")
    RecallCompany = apps.get_model("alerts", "RecallCompany")
    Link = RecallEntry.companies.through
    pairs = set(RecallCompany.objects.values_list("recall_id", "company_id"))
    Link.objects.bulk_create(
        Link(recallentry_id=recall, company_id=company) for recall, company in pairs
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0005_merge_registers_and_workflow"),
    ]

    operations = [
        migrations.AddField(
            model_name="recallentry",
            name="recall_date_precision",
            field=models.CharField(
                choices=[("day", "Exact day"), ("year", "Year only")],
                default="day",
                help_text=(
                    "Year only: the source gives no day, and the date is the 1st "
                    "of January of the year it names."
                ),
                max_length=8,
                verbose_name="precision of the recall date",
            ),
        ),
        migrations.AddField(
            model_name="recallentry",
            name="source_alias",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text=(
                    "How an export that lacks the identifier above names the "
                    "same recall, so that importing it updates this entry."
                ),
                max_length=128,
                verbose_name="other identifier at the source",
            ),
        ),
        migrations.AlterField(
            model_name="blacklistentry",
            name="credit_code",
            field=alerts.models.registers.CreditCodeField(
                max_length=18,
                validators=[alerts.codes.validate_credit_code],
                verbose_name="unified social credit code",
            ),
        ),
        migrations.AlterField(
            model_name="company",
            name="credit_code",
            field=alerts.models.registers.CreditCodeField(
                blank=True,
                max_length=18,
                null=True,
                unique=True,
                validators=[alerts.codes.validate_credit_code],
                verbose_name="unified social credit code",
            ),
        ),
        migrations.CreateModel(
            name="RecallCompany",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("manufacturer", "Manufacturer"),
                            ("importer", "Importer"),
                            ("distributor", "Distributor"),
                            ("retailer", "Retailer"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=16,
                        verbose_name="role",
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recall_roles",
                        to="alerts.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "recall",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="company_roles",
                        to="alerts.recallentry",
                    ),
                ),
            ],
            options={
                "verbose_name": "company of a recall",
                "verbose_name_plural": "companies of recalls",
                "ordering": ["id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("recall", "company", "role"),
                        name="recall_company_role_once",
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="recallentry", name="companies"),
        migrations.AddField(
            model_name="recallentry",
            name="companies",
            field=models.ManyToManyField(
                blank=True,
                related_name="recalls",
                through="alerts.RecallCompany",
                to="alerts.company",
                verbose_name="companies",
            ),
        ),
    ]
