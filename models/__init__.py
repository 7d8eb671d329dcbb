"""SQLModel tables, one module per domain noun; importing this package registers them all."""

from models.audit_event import AuditChainHead, AuditEvent
from models.base import utcnow
from models.campaign import Campaign, CampaignItem, CampaignKind, CampaignStatus, ItemDecision
from models.chat_channel import ChatChannel
from models.chat_message import ChatMessage, InboundEvent
from models.control import Control, ControlCriterion
from models.conversation import AwaitedFile, ConversationRef
from models.evidence import Evidence, EvidenceKind, Platform
from models.follow_up import FollowUp, FollowUpStatus
from models.occurrence import Occurrence, OccurrenceStatus
from models.outbox import OutboxMessage, OutboxStatus
from models.person import ChatIdentity, Person, Role
from models.policy import (
    ApprovalDecision,
    Policy,
    PolicyApproval,
    PolicyVersion,
    VersionStatus,
)
from models.program import Program
from models.sample import Sample
from models.task import EvidenceRequirement, Task

__all__ = [
    "Sample",
    "VersionStatus",
    "PolicyVersion",
    "PolicyApproval",
    "Policy",
    "ApprovalDecision",
    "AuditChainHead",
    "AwaitedFile",
    "AuditEvent",
    "Campaign",
    "CampaignItem",
    "CampaignKind",
    "CampaignStatus",
    "ChatChannel",
    "ChatIdentity",
    "ChatMessage",
    "Control",
    "ControlCriterion",
    "ConversationRef",
    "Evidence",
    "EvidenceKind",
    "EvidenceRequirement",
    "FollowUp",
    "FollowUpStatus",
    "InboundEvent",
    "ItemDecision",
    "Occurrence",
    "OccurrenceStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "Platform",
    "Program",
    "Role",
    "Task",
    "utcnow",
]
