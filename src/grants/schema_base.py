"""The base of every request body: unknown fields are errors, NUL characters are refused."""

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold U+0000; refuse it here with a 422 naming the field.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL (U+0000) characters")
        return value
