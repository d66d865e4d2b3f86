"""/api/v1/feedback: a user's verdict on an answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from ragworks.api.deps import caller, services_dep
from ragworks.api.responses import FeedbackSaved
from ragworks.auth import Principal
from ragworks.feedback.service import Feedback, normalise
from ragworks.services import Services

router = APIRouter(prefix="/api/v1", tags=["feedback"])


class FeedbackRequest(BaseModel):
    trace_id: str = Field(min_length=1, max_length=64)
    rating: str | int = Field(description="'up', 'down', or 1 to 5")
    comment: str = Field("", max_length=4000)
    corrected_category: str | None = None
    expected_sources: list[str] = Field(default_factory=list, max_length=50)
    user_id: str | None = Field(None, max_length=200, description=(
        "Who gives it, among the users of this API key (default: the key itself). Stored "
        "under the key's id, so another key can never overwrite it."))


@router.post("/feedback", status_code=201, response_model=FeedbackSaved)
def give_feedback(body: FeedbackRequest, response: Response, who: Principal = Depends(caller),
                  svc: Services = Depends(services_dep)) -> dict:
    """One feedback per (trace, user): a second one updates the first (200)."""
    who.require("query")
    if body.corrected_category is not None:
        who.require("review")  # corrections train the classifier
    rating, kind = normalise(body.rating)
    author = f"key:{who.key_id}" + (f"/{body.user_id}" if body.user_id else "")
    saved, created = svc.feedback.submit(who.tenant, Feedback(
        trace_id=body.trace_id, user_id=author, rating=rating,
        rating_kind=kind, comment=body.comment.strip(),
        corrected_category=body.corrected_category,
        expected_sources=tuple(body.expected_sources)))
    if not created:
        response.status_code = 200
    return {"feedback": saved, "created": created}
