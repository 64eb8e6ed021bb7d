"""GET /v1/questions: what customers asked that the guides could not answer, grouped by meaning.

The same list as the staff console's, for scripts and bots: the guides to write next.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from rag_app.api.errors import documented
from rag_app.api.security import authorize_admin
from rag_app.api.state import ReadyAssistant
from rag_app.questions import Outcome

router = APIRouter(prefix="/v1/questions", tags=["questions"], dependencies=[Depends(authorize_admin)])


class QuestionGroupOut(BaseModel):
    label: str = Field(description="the wording closest to the group's meaning")
    count: int = Field(description="how often it was asked (within the retention period)")
    last_asked: datetime
    examples: list[str] = Field(description="distinct wordings, newest first (at most 5)")


@router.get("", responses=documented(401, 403, 422, 429, 503))
async def list_questions(
    assistant: ReadyAssistant,
    outcome: Annotated[Outcome | None, Query(description="`refused` (the guides had nothing) or "
                                                          "`disliked` (answered, rated 👎); both if omitted")] = None,
    since: Annotated[datetime | None, Query(description="only questions asked at or after this time "
                                                         "(ISO 8601; a time without zone is UTC)")] = None,
) -> list[QuestionGroupOut]:
    """Logged questions grouped by meaning, most asked first (empty when QUESTION_LOG is off)."""
    after = None if since is None else (since if since.tzinfo else since.replace(tzinfo=UTC)).timestamp()
    groups = await run_in_threadpool(assistant.unanswered, outcome, after)
    return [QuestionGroupOut.model_validate(g.summary()) for g in groups]
