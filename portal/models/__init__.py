"""The domain model: one module per concept, all imported here for Alembic and the app."""

from portal.models.api_key import ApiKey
from portal.models.audit import AuditEvent
from portal.models.base import Base, utcnow
from portal.models.case import Case, CaseEvent
from portal.models.case_pause import CasePause
from portal.models.checkin import Checkin, CheckinRule
from portal.models.coaching import CoachingNote, Goal
from portal.models.coaching_plan import CoachingPlan, PlanItem
from portal.models.complaint import Complaint
from portal.models.correction import SentimentCorrection
from portal.models.customer import Customer
from portal.models.inbound import (
    InboundAttachment,
    InboundMessage,
    MailBounce,
    ReplyAddressRevocation,
)
from portal.models.login_session import LoginSession
from portal.models.organisation import Organisation
from portal.models.outbox import OutboxJob
from portal.models.performance import PerformanceRecord
from portal.models.sale import Sale
from portal.models.sla import Holiday, SlaPolicy
from portal.models.survey import SurveyInvitation, SurveyResponse
from portal.models.survey_policy import SurveyPolicy
from portal.models.theme import CaseTheme, Theme
from portal.models.user import Team, User
from portal.models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "Case",
    "CaseEvent",
    "CasePause",
    "CaseTheme",
    "Checkin",
    "CheckinRule",
    "CoachingNote",
    "CoachingPlan",
    "Complaint",
    "Customer",
    "Goal",
    "Holiday",
    "InboundAttachment",
    "InboundMessage",
    "LoginSession",
    "MailBounce",
    "Organisation",
    "OutboxJob",
    "PerformanceRecord",
    "PlanItem",
    "ReplyAddressRevocation",
    "Sale",
    "SentimentCorrection",
    "SlaPolicy",
    "SurveyInvitation",
    "SurveyPolicy",
    "SurveyResponse",
    "Team",
    "Theme",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "utcnow",
]
