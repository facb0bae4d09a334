"""The domain model: one module per concept, all imported here for Alembic and the app."""

from portal.models.api_key import ApiKey
from portal.models.base import Base, utcnow
from portal.models.case import Case, CaseEvent
from portal.models.checkin import Checkin, CheckinRule
from portal.models.coaching import CoachingNote, Goal
from portal.models.complaint import Complaint
from portal.models.correction import SentimentCorrection
from portal.models.customer import Customer
from portal.models.login_session import LoginSession
from portal.models.outbox import OutboxJob
from portal.models.performance import PerformanceRecord
from portal.models.sale import Sale
from portal.models.sla import Holiday, SlaPolicy
from portal.models.survey import SurveyInvitation, SurveyResponse
from portal.models.survey_policy import SurveyPolicy
from portal.models.user import Team, User

__all__ = [
    "ApiKey",
    "Base",
    "Case",
    "CaseEvent",
    "Checkin",
    "CheckinRule",
    "CoachingNote",
    "Complaint",
    "Customer",
    "Goal",
    "Holiday",
    "LoginSession",
    "OutboxJob",
    "PerformanceRecord",
    "Sale",
    "SentimentCorrection",
    "SlaPolicy",
    "SurveyInvitation",
    "SurveyPolicy",
    "SurveyResponse",
    "Team",
    "User",
    "utcnow",
]
