"""All models, imported here so Alembic and the mapper registry see every table."""

from marketplace.models.audit import AuditEntry, AuditRow
from marketplace.models.enums import (
    ORG_TYPE_USCC_CHAR,
    AffiliationKind,
    Alliance,
    Grade,
    NationalList,
    OrgType,
    Role,
    VerificationStatus,
)
from marketplace.models.awards import Award, BidScore, Contract, Objection, PanelMember, RoadshowSlot
from marketplace.models.bids import Bid, BidAttachment, BidPartner, BidReceipt
from marketplace.models.credit import Appeal, ExemplaryProposal, ListEntry, ListPeriod
from marketplace.models.delivery import (
    ClosingReport,
    Complaint,
    CreditEvent,
    Evaluation,
    Evaluator,
    Intervention,
    Milestone,
    ProgressPhoto,
    ProgressReport,
    ReportTemplate,
    SurveyCode,
)
from marketplace.models.enums import (
    AppealStatus,
    AwardStatus,
    BidStatus,
    ListKind,
    ListStatus,
    ComplaintStatus,
    EvaluationGrade,
    InterventionStatus,
    MilestoneStatus,
    Party,
    ObjectionStatus,
    PanelRole,
    PartnerStatus,
)
from marketplace.models.enums import (
    ExportStatus,
    NeedSource,
    NeedStatus,
    ProjectStatus,
    Regime,
    Urgency,
    WishStatus,
)
from marketplace.models.exports import ExportJob
from marketplace.models.enums import SEVERITY_ORDER, FlagStatus, Severity, Signal
from marketplace.models.integrity import FlagLook, IntegrityFlag, LetterShingles, flag_projects
from marketplace.models.geography import Category, Community, Department, Street
from marketplace.models.needs import Need, NeedPhoto, NeedReview, Wish
from marketplace.models.notifications import Follow, Notification
from marketplace.models.projects import Project, Question, project_communities
from marketplace.models.organizations import (
    NationalListEntry,
    Organization,
    organization_categories,
    organization_streets,
)
from marketplace.models.settings import Counter, LocalDayOff, Setting
from marketplace.models.enums import PriceBasis, ServiceStatus
from marketplace.models.supply import ServiceItem, ServiceItemPhoto, service_item_streets
from marketplace.models.enums import MeetingStatus, OrderOutcome, OrderStatus
from marketplace.models.ordering import MeetingItem, OrderingMeeting, ServiceOrder, Shortlist, meeting_communities, order_needs
from marketplace.models.users import Affiliation, ExpertProfile, RecoveryCode, User

__all__ = [
    "SEVERITY_ORDER", "FlagLook", "FlagStatus", "IntegrityFlag", "LetterShingles", "Severity", "Signal", "flag_projects",
    "ORG_TYPE_USCC_CHAR",
    "Affiliation", "AffiliationKind", "Alliance", "AuditEntry", "AuditRow", "Category", "Community",
    "Department", "ExpertProfile", "RecoveryCode", "Grade", "NationalList", "NationalListEntry", "Organization",
    "LocalDayOff", "OrgType", "Role", "Setting", "Street", "User", "VerificationStatus",
    "Award", "AwardStatus", "Bid", "BidAttachment", "BidPartner", "BidReceipt", "BidScore", "BidStatus",
    "Contract", "Objection", "ObjectionStatus", "PanelMember", "PanelRole", "PartnerStatus", "RoadshowSlot",
    "ClosingReport", "Complaint", "ComplaintStatus", "CreditEvent", "Evaluation", "EvaluationGrade", "Evaluator",
    "Intervention", "InterventionStatus", "Milestone", "MilestoneStatus", "Party", "ProgressPhoto",
    "ProgressReport", "ReportTemplate", "SurveyCode",
    "Appeal", "AppealStatus", "ExemplaryProposal", "ListEntry", "ListKind", "ListPeriod", "ListStatus",
    "organization_categories", "organization_streets", "Counter", "Need", "NeedPhoto", "NeedReview", "NeedSource", "NeedStatus", "Notification", "Follow", "Project",
    "ExportJob", "ExportStatus", "PriceBasis", "ServiceItem", "ServiceItemPhoto", "ServiceStatus", "service_item_streets",
    "MeetingItem", "MeetingStatus", "OrderOutcome", "OrderStatus", "OrderingMeeting", "ServiceOrder", "Shortlist",
    "meeting_communities", "order_needs",
    "ProjectStatus", "Question", "Regime", "Urgency", "Wish", "WishStatus", "project_communities",
]
