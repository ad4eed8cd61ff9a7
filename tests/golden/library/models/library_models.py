"""Models of a small lending library: the second golden case of the generator.

Nothing here knows about stereo-spot; the schema in ``../schema/library.toml``
maps these models onto DynamoDB tables and SQS queues.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Genre(str, Enum):
    """Which shelf a book stands on."""

    FICTION = "fiction"
    HISTORY = "history"
    SCIENCE = "science"


class LoanState(str, Enum):
    """Where a borrowed copy is."""

    OUT = "out"
    RETURNED = "returned"
    LOST = "lost"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Book(_Model):
    """A title the library holds, keyed by ISBN."""

    isbn: str = Field(min_length=10, max_length=13, strict=True)
    title: str = Field(min_length=1, strict=True)
    author: str = Field(min_length=1, strict=True)
    published_year: int = Field(ge=0, strict=True)
    genre: Genre
    copies: int | None = Field(default=None, ge=0, strict=True)
    cover_thumbnail: bytes | None = None


class BookSummary(_Model):
    """One row of an author's bibliography (what the author index projects)."""

    isbn: str
    author: str
    published_year: int
    title: str


class Loan(_Model):
    """One copy lent to one member; members number their loans 1, 2, 3, ..."""

    member_id: str = Field(min_length=1, strict=True)
    loan_number: int = Field(ge=1, strict=True)
    isbn: str = Field(min_length=10, strict=True)
    state: LoanState
    due_at: int = Field(ge=0, strict=True)
    returned_at: int | None = Field(default=None, ge=0, strict=True)


class HoldReady(_Model):
    """Body of a holds-ready message: a reserved book is waiting at the desk."""

    isbn: str = Field(min_length=10, strict=True)
    member_id: str = Field(min_length=1, strict=True)


__all__ = ["Book", "BookSummary", "Genre", "HoldReady", "Loan", "LoanState"]
