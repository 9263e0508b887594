"""The job that issues one ordered letter (``letters.issue_letter``): ``service.issue``
renders it in the render pool and stores it with its dispatch, e-mail and audit entry in
one transaction. Safe to run twice: a stalled job run again finds the request done, and
the unique index on a decision's letter refuses a second letter in any case."""

import uuid

import procrastinate
from procrastinate import JobContext

from grants.jobs.retry import Backoff
from grants.letters.service import ISSUE_QUEUE, ISSUE_TASK, IssueResources, issue

RESOURCES = "grants.letters"


async def issue_letter(context: JobContext, request_id: str) -> str:
    resources: IssueResources = context.additional_context[RESOURCES]
    return await issue(resources, uuid.UUID(request_id))


def register_tasks(app: procrastinate.App) -> None:
    app.task(name=ISSUE_TASK, queue=ISSUE_QUEUE, pass_context=True, retry=Backoff())(issue_letter)
