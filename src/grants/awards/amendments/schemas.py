"""Shapes of the amendment API."""

from typing import Annotated, Literal

from pydantic import Field

from grants.awards.decisions.schemas import DecisionDraftIn
from grants.http.fields import ProjectDate


class AmendmentIn(DecisionDraftIn):
    """The grant as it is to stand after the amendment, in the shape of an approval draft
    (``kind``: approval as applied for, or partial approval with each deviation reasoned),
    and the request it answers."""

    kind: Literal["approval", "partial_approval"]
    request: Annotated[str, Field(min_length=1, max_length=4000)] = Field(
        description="What the recipient asked for (Änderungsantrag), in short"
    )
    requested_on: ProjectDate = Field(description="The day the request was received")
