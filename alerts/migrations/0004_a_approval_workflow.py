"""The Approvers group and the workflow every warning goes through before a
level I or II version of it goes live."""

from django.db import migrations

APPROVERS = "Approvers"
WORKFLOW = "I、II级预警审批 (Level I and II approval)"
TASK = "作者以外的审批人批准 (Approval by another approver)"


def create_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    WarningIndexPage = apps.get_model("alerts.WarningIndexPage")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    AnotherApproverTask = apps.get_model("alerts.AnotherApproverTask")

    approvers, _ = Group.objects.get_or_create(name=APPROVERS)
    admin_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailadmin", model="admin"
    )
    access_admin, _ = Permission.objects.get_or_create(
        content_type=admin_type,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    approvers.permissions.add(access_admin)

    index = WarningIndexPage.objects.order_by("path").first()
    if index is not None:
        page_type, _ = ContentType.objects.get_or_create(
            app_label="wagtailcore", model="page"
        )
        for codename, name in (
            ("add_page", "Can add page"),
            ("change_page", "Can change page"),
            ("publish_page", "Can publish page"),
        ):
            permission, _ = Permission.objects.get_or_create(
                content_type=page_type, codename=codename, defaults={"name": name}
            )
            GroupPagePermission.objects.get_or_create(
                group=approvers, page_id=index.pk, permission=permission
            )

    task_type, _ = ContentType.objects.get_or_create(
        app_label="alerts", model="anotherapprovertask"
    )
    task = AnotherApproverTask.objects.create(
        name=TASK, active=True, content_type=task_type
    )
    task.groups.add(approvers)
    workflow = Workflow.objects.create(name=WORKFLOW, active=True)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    if index is not None:
        WorkflowPage.objects.update_or_create(
            page_id=index.pk, defaults={"workflow": workflow}
        )


def remove_workflow(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore.Workflow")
    AnotherApproverTask = apps.get_model("alerts.AnotherApproverTask")
    Workflow.objects.filter(name=WORKFLOW).delete()
    AnotherApproverTask.objects.filter(name=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_a_another_approver_task"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_workflow, remove_workflow)]
