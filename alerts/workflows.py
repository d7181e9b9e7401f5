"""The approval rule: a level I or II warning goes live only after an
approver other than its author approves it.

The page editor refuses a direct publish of a level I or II warning (see
`WarningPageForm`); the editor submits it instead to the workflow
"I、II级预警审批 (Level I and II approval)", named in both languages because
the admin shows it in either. Its one task is an `AnotherApproverTask` that
offers its actions to members of the Approvers group, never to the person who
submitted the warning nor to anyone who wrote a revision of it since: approval
publishes the latest revision, whoever wrote it. Migration
`0004_a_approval_workflow` creates the group, the task and the workflow and
assigns the workflow to `/warnings/`.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, Revision

logger = logging.getLogger(__name__)


def authors_of(task_state):
    """The users who may not approve this task state: whoever submitted it,
    whoever wrote the revision it reviews, and whoever saved a revision since
    the workflow started (approval publishes the latest one)."""
    authors = set()
    workflow_state = task_state.workflow_state
    if workflow_state.requested_by_id:
        authors.add(workflow_state.requested_by_id)
    if task_state.revision_id and task_state.revision.user_id:
        authors.add(task_state.revision.user_id)
    authors.update(
        Revision.objects.filter(
            base_content_type_id=workflow_state.base_content_type_id,
            object_id=workflow_state.object_id,
            created_at__gte=workflow_state.created_at,
            user__isnull=False,
        ).values_list("user_id", flat=True)
    )
    return authors


class AnotherApproverTask(AbstractGroupApprovalTask):
    """Approval by a member of the chosen groups who is not the author."""

    def _current_task_state(self, obj):
        workflow_state = getattr(obj, "current_workflow_state", None)
        if workflow_state is None:
            return None
        task_state = workflow_state.current_task_state
        return task_state if task_state and task_state.task_id == self.pk else None

    def _is_author(self, obj, user):
        task_state = self._current_task_state(obj)
        return task_state is not None and user.pk in authors_of(task_state)

    def get_actions(self, obj, user):
        if self._is_author(obj, user):
            return []
        return super().get_actions(obj, user)

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == "approve" and user.pk in authors_of(task_state):
            logger.warning(
                "Refused self-approval of task state %s",
                task_state.pk,
                extra={"task_state_id": task_state.pk, "user_id": user.pk},
            )
            raise PermissionDenied(
                "A level I or II warning needs an approver other than its author."
            )
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = super().get_task_states_user_can_moderate(user, **kwargs)
        edited_since_start = Revision.objects.filter(
            base_content_type_id=OuterRef("workflow_state__base_content_type_id"),
            object_id=OuterRef("workflow_state__object_id"),
            created_at__gte=OuterRef("workflow_state__created_at"),
            user=user,
        )
        return (
            states.exclude(workflow_state__requested_by=user)
            .exclude(revision__user=user)
            .exclude(Exists(edited_since_start))
        )

    @classmethod
    def get_description(cls):
        return _(
            "Members of the chosen groups approve, but never the author of what "
            "they approve."
        )

    class Meta:
        verbose_name = _("approval by another approver")
        verbose_name_plural = _("approvals by another approver")
