"""Every status and kind used by the models, each carrying a translated label and a badge style,
so templates never switch on raw values."""

from __future__ import annotations

import enum
from typing import ClassVar

from flask_babel import lazy_gettext as _l


class LabeledEnum(str, enum.Enum):
    __labels__: ClassVar[dict[str, object]]
    __css__: ClassVar[dict[str, str]]

    @property
    def label(self) -> str:
        return str(type(self).__labels__[self.value])

    @property
    def css(self) -> str:
        return type(self).__css__.get(self.value, "neutral")

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        return [(m.value, cls.__labels__[m.value]) for m in cls]

    def __str__(self) -> str:
        return self.value

    def __html__(self) -> str:  # {{ status }} in a template shows the label
        return self.label


class Role(LabeledEnum):
    resident = "resident"
    secretary = "secretary"
    street = "street"
    department = "department"
    expert = "expert"
    organization = "organization"
    admin = "admin"
    supervisor = "supervisor"  # 监督员: discipline inspection / audit, district-wide, read-only


Role.__labels__ = {
    "resident": _l("Resident"),
    "secretary": _l("Community secretary"),
    "street": _l("Street officer"),
    "department": _l("Functional department"),
    "expert": _l("Expert"),
    "organization": _l("Social organization"),
    "admin": _l("District administrator"),
    "supervisor": _l("Supervisor"),
}
Role.__css__ = {"admin": "danger", "supervisor": "warning", "street": "info", "secretary": "info", "organization": "success"}


class OrgType(LabeledEnum):
    social_group = "social_group"
    private_non_enterprise = "private_non_enterprise"
    foundation = "foundation"


OrgType.__labels__ = {
    "social_group": _l("Social group (社会团体)"),
    "private_non_enterprise": _l("Private non-enterprise unit (民办非企业单位)"),
    "foundation": _l("Foundation (基金会)"),
}
OrgType.__css__ = {}
# GB 32100-2015: for civil-affairs registrations (first character 5) the second character
# is the organization type.
ORG_TYPE_USCC_CHAR = {
    OrgType.social_group: "1",
    OrgType.private_non_enterprise: "2",
    OrgType.foundation: "3",
}


class Alliance(LabeledEnum):
    new_type = "new_type"
    volunteers = "volunteers"
    legal = "legal"
    self_media = "self_media"
    self_organized = "self_organized"


Alliance.__labels__ = {
    "new_type": _l("New-type social organizations alliance"),
    "volunteers": _l("Volunteers alliance"),
    "legal": _l("Legal workers alliance"),
    "self_media": _l("Self-media alliance"),
    "self_organized": _l("Community self-organizations alliance"),
}
Alliance.__css__ = {}


class Grade(LabeledEnum):
    a1 = "1A"
    a2 = "2A"
    a3 = "3A"
    a4 = "4A"
    a5 = "5A"

    @property
    def rank(self) -> int:
        return int(self.value[0])


Grade.__labels__ = {g: g for g in ("1A", "2A", "3A", "4A", "5A")}
Grade.__css__ = {"4A": "success", "5A": "success"}


class VerificationStatus(LabeledEnum):
    pending = "pending"
    verified = "verified"
    rejected = "rejected"


VerificationStatus.__labels__ = {
    "pending": _l("Awaiting verification"),
    "verified": _l("Verified"),
    "rejected": _l("Rejected"),
}
VerificationStatus.__css__ = {"pending": "warning", "verified": "success", "rejected": "danger"}


class NationalList(LabeledEnum):
    abnormal = "abnormal"
    dishonest = "dishonest"


NationalList.__labels__ = {
    "abnormal": _l("Abnormal-activity list (活动异常名录)"),
    "dishonest": _l("Serious-dishonesty list (严重违法失信名单)"),
}
NationalList.__css__ = {"abnormal": "warning", "dishonest": "danger"}


class AffiliationKind(LabeledEnum):
    member = "member"
    employee = "employee"
    board = "board"
    control = "control"


AffiliationKind.__labels__ = {
    "member": _l("Member"),
    "employee": _l("Employee"),
    "board": _l("Board seat"),
    "control": _l("Controlling person"),
}
AffiliationKind.__css__ = {}


class WishStatus(LabeledEnum):
    new = "new"
    accepted = "accepted"
    declined = "declined"


WishStatus.__labels__ = {"new": _l("New"), "accepted": _l("Taken up as a need"),
                         "declined": _l("Declined")}
WishStatus.__css__ = {"new": "warning", "accepted": "success", "declined": "neutral"}


class NeedSource(LabeledEnum):
    survey = "survey"
    wish = "wish"


NeedSource.__labels__ = {"survey": _l("Door-to-door survey (民意大摸排)"), "wish": _l("Resident's micro-wish (微心愿)")}
NeedSource.__css__ = {}


class Urgency(LabeledEnum):
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


Urgency.__labels__ = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High"), "urgent": _l("Urgent")}
Urgency.__css__ = {"high": "warning", "urgent": "danger"}


class NeedStatus(LabeledEnum):
    recorded = "recorded"      # entered by the community, waiting for the street
    in_review = "in_review"    # reviewers assigned (评榜)
    approved = "approved"      # publishable
    rejected = "rejected"
    merged = "merged"          # a duplicate, folded into another need
    in_project = "in_project"  # part of a published project (发榜)


NeedStatus.__labels__ = {
    "recorded": _l("Recorded"), "in_review": _l("Under review (评榜)"), "approved": _l("Approved to publish"),
    "rejected": _l("Not adopted"), "merged": _l("Merged"), "in_project": _l("Published as a project"),
}
NeedStatus.__css__ = {"recorded": "info", "in_review": "warning", "approved": "success",
                      "rejected": "danger", "merged": "neutral", "in_project": "success"}


class Regime(LabeledEnum):
    community_fund = "community_fund"
    government_purchase = "government_purchase"


Regime.__labels__ = {"community_fund": _l("Community fund (micro-project / venture grant)"),
                     "government_purchase": _l("Government purchase of services (政府购买服务)")}
Regime.__css__ = {"government_purchase": "info"}


class ProjectStatus(LabeledEnum):
    draft = "draft"
    bidding = "bidding"        # published (发榜), open for 揭榜
    withdrawn = "withdrawn"
    failed = "failed"          # 流标: no eligible bid at the deadline
    reviewing = "reviewing"    # bids opened to the panel (承榜)
    notice = "notice"          # award published, public notice (公示) running
    delivery = "delivery"      # award final, contract signed (履约)
    evaluation = "evaluation"  # closing signed off; the four parties score (考榜)
    evaluated = "evaluated"    # evaluation final
    exited = "exited"          # the organization was exited (淘汰退出); to be published again


ProjectStatus.__labels__ = {"draft": _l("Draft"), "bidding": _l("Open for bids (揭榜中)"),
                            "withdrawn": _l("Withdrawn"), "failed": _l("Failed tender (流标)"),
                            "reviewing": _l("Panel review (承榜评审)"), "notice": _l("Award notice (公示中)"),
                            "delivery": _l("In delivery (履约中)"), "evaluation": _l("Evaluation (考榜中)"),
                            "evaluated": _l("Evaluated (已考榜)"), "exited": _l("Exited (淘汰退出)")}
ProjectStatus.__css__ = {"draft": "neutral", "bidding": "success", "withdrawn": "danger", "failed": "danger",
                         "reviewing": "warning", "notice": "info", "delivery": "success", "evaluation": "warning",
                         "evaluated": "success", "exited": "danger"}


class MilestoneStatus(LabeledEnum):
    planned = "planned"
    delivered = "delivered"
    confirmed = "confirmed"
    disputed = "disputed"


MilestoneStatus.__labels__ = {"planned": _l("Planned"), "delivered": _l("Reported delivered"),
                              "confirmed": _l("Confirmed by the community"), "disputed": _l("Disputed")}
MilestoneStatus.__css__ = {"delivered": "info", "confirmed": "success", "disputed": "danger"}


class ComplaintStatus(LabeledEnum):
    pending = "pending"
    upheld = "upheld"
    dismissed = "dismissed"


ComplaintStatus.__labels__ = {"pending": _l("Being examined"), "upheld": _l("Upheld"), "dismissed": _l("Dismissed")}
ComplaintStatus.__css__ = {"pending": "warning", "upheld": "danger", "dismissed": "neutral"}


class InterventionStatus(LabeledEnum):
    open = "open"
    plan_filed = "plan_filed"
    accepted = "accepted"
    exited = "exited"


InterventionStatus.__labels__ = {"open": _l("Intervention (干预指导): rectification plan due"),
                                 "plan_filed": _l("Rectification plan filed (纠偏整改)"),
                                 "accepted": _l("Rectification accepted"), "exited": _l("Exit (淘汰退出)")}
InterventionStatus.__css__ = {"open": "danger", "plan_filed": "warning", "accepted": "success", "exited": "danger"}


class Party(LabeledEnum):
    party = "party"
    residents = "residents"
    department = "department"
    experts = "experts"


Party.__labels__ = {"party": _l("Community/street party organization"), "residents": _l("Residents"),
                    "department": _l("Functional department"), "experts": _l("Experts / third party")}
Party.__css__ = {}


class EvaluationGrade(LabeledEnum):
    excellent = "excellent"
    good = "good"
    passed = "passed"
    failed = "failed"


EvaluationGrade.__labels__ = {"excellent": _l("优秀 Excellent"), "good": _l("良好 Good"), "passed": _l("合格 Pass"),
                              "failed": _l("不合格 Fail")}
EvaluationGrade.__css__ = {"excellent": "success", "good": "success", "passed": "info", "failed": "danger"}


class BidStatus(LabeledEnum):
    draft = "draft"
    submitted = "submitted"
    withdrawn = "withdrawn"
    ineligible = "ineligible"
    awarded = "awarded"
    lost = "lost"


BidStatus.__labels__ = {"draft": _l("Draft"), "submitted": _l("Submitted"), "withdrawn": _l("Withdrawn"),
                        "ineligible": _l("Not eligible"), "awarded": _l("Awarded (承榜)"), "lost": _l("Not selected")}
BidStatus.__css__ = {"submitted": "info", "withdrawn": "neutral", "ineligible": "danger", "awarded": "success",
                     "lost": "neutral"}


class PartnerStatus(LabeledEnum):
    invited = "invited"
    confirmed = "confirmed"
    declined = "declined"


PartnerStatus.__labels__ = {"invited": _l("Invited"), "confirmed": _l("Confirmed"), "declined": _l("Declined")}
PartnerStatus.__css__ = {"invited": "warning", "confirmed": "success", "declined": "danger"}


class PanelRole(LabeledEnum):
    street = "street"
    department = "department"
    expert = "expert"


PanelRole.__labels__ = {"street": _l("Street / community"), "department": _l("Functional department"),
                        "expert": _l("Industry expert")}
PanelRole.__css__ = {}


class ObjectionStatus(LabeledEnum):
    pending = "pending"
    upheld = "upheld"
    rejected = "rejected"


ObjectionStatus.__labels__ = {"pending": _l("Being examined"), "upheld": _l("Upheld"), "rejected": _l("Rejected")}
ObjectionStatus.__css__ = {"pending": "warning", "upheld": "danger", "rejected": "neutral"}


class AwardStatus(LabeledEnum):
    notice = "notice"
    final = "final"
    reopened = "reopened"


AwardStatus.__labels__ = {"notice": _l("Public notice"), "final": _l("Final"), "reopened": _l("Reopened")}
AwardStatus.__css__ = {"notice": "info", "final": "success", "reopened": "danger"}


class ListKind(LabeledEnum):
    red = "red"
    black = "black"


ListKind.__labels__ = {"red": _l("Red list (红榜)"), "black": _l("Black list (黑榜)")}
ListKind.__css__ = {"red": "success", "black": "danger"}


class ListStatus(LabeledEnum):
    draft = "draft"
    published = "published"


ListStatus.__labels__ = {"draft": _l("Draft"), "published": _l("Published")}
ListStatus.__css__ = {"draft": "warning", "published": "success"}


class AppealStatus(LabeledEnum):
    pending = "pending"
    upheld = "upheld"
    rejected = "rejected"


AppealStatus.__labels__ = {"pending": _l("Being examined"), "upheld": _l("Upheld"), "rejected": _l("Rejected")}
AppealStatus.__css__ = {"pending": "warning", "upheld": "success", "rejected": "neutral"}


class ExportStatus(LabeledEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    expired = "expired"  # the file was removed after EXPORT_KEEP_HOURS


ExportStatus.__labels__ = {
    "queued": _l("Waiting to start"), "running": _l("Being prepared"), "done": _l("Ready to download"),
    "failed": _l("Failed"), "expired": _l("Expired"),
}
ExportStatus.__css__ = {"queued": "info", "running": "warning", "done": "success", "failed": "danger"}


class Signal(LabeledEnum):
    """廉洁监督: the patterns the integrity scan looks for (marketplace.domain.integrity)."""

    outlier_rater = "outlier_rater"
    favouritism = "favouritism"
    similar_bids = "similar_bids"
    same_attachment = "same_attachment"
    shared_identity = "shared_identity"
    price_outlier = "price_outlier"
    under_cap = "under_cap"
    concentration = "concentration"
    hurried_scoring = "hurried_scoring"
    rotation = "rotation"


Signal.__labels__ = {
    "outlier_rater": _l("Outlier rater"),
    "favouritism": _l("Favouritism"),
    "similar_bids": _l("Near-duplicate intent letters"),
    "same_attachment": _l("Identical attachments"),
    "shared_identity": _l("Shared identity between competitors"),
    "price_outlier": _l("Winning price far from its category"),
    "under_cap": _l("Bids clustered just under the cap"),
    "concentration": _l("Concentration of awards"),
    "hurried_scoring": _l("Hurried scoring"),
    "rotation": _l("Rotation and cover bidding"),
}
Signal.__css__ = {}


class Severity(LabeledEnum):
    high = "high"
    medium = "medium"
    low = "low"


Severity.__labels__ = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
Severity.__css__ = {"high": "danger", "medium": "warning", "low": "neutral"}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


class FlagStatus(LabeledEnum):
    open = "open"
    dismissed = "dismissed"
    referred = "referred"


FlagStatus.__labels__ = {"open": _l("Awaiting examination"), "dismissed": _l("Dismissed"), "referred": _l("Referred")}
FlagStatus.__css__ = {"open": "warning", "dismissed": "neutral", "referred": "danger"}


class ServiceStatus(LabeledEnum):
    """A catalogue item's life: never deleted, retired at the end."""

    draft = "draft"
    submitted = "submitted"
    listed = "listed"
    returned = "returned"
    paused = "paused"
    retired = "retired"


ServiceStatus.__labels__ = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for listing"),
    "listed": _l("Listed"),
    "returned": _l("Returned for changes"),
    "paused": _l("Paused"),
    "retired": _l("Retired"),
}
ServiceStatus.__css__ = {"submitted": "warning", "listed": "success", "returned": "danger", "paused": "info",
                         "retired": "neutral"}


class PriceBasis(LabeledEnum):
    """What the reference price is for: one unit of service (a visit, a session, a person) or a period."""

    per_unit = "per_unit"
    per_period = "per_period"


PriceBasis.__labels__ = {"per_unit": _l("per unit of service"), "per_period": _l("per period")}
PriceBasis.__css__ = {}


class MeetingStatus(LabeledEnum):
    """A 点单会: scheduled (its date tells before / at-or-after), or cancelled with a public reason."""

    scheduled = "scheduled"
    cancelled = "cancelled"


MeetingStatus.__labels__ = {"scheduled": _l("Scheduled"), "cancelled": _l("Cancelled")}
MeetingStatus.__css__ = {"scheduled": "info", "cancelled": "neutral"}


class OrderStatus(LabeledEnum):
    """A community's order (按需取用) of a presented item: the organization accepts or declines."""

    placed = "placed"
    accepted = "accepted"
    declined = "declined"
    cancelled = "cancelled"


OrderStatus.__labels__ = {"placed": _l("Waiting for the organization"), "accepted": _l("Accepted"),
                          "declined": _l("Declined"), "cancelled": _l("Cancelled by the community")}
OrderStatus.__css__ = {"placed": "warning", "accepted": "success", "declined": "danger", "cancelled": "neutral"}


class OrderOutcome(LabeledEnum):
    """What an accepted order became: a commissioned project (within the direct-commission limit) or a
    draft project for the street to publish (above it)."""

    commissioned = "commissioned"
    draft_project = "draft_project"


OrderOutcome.__labels__ = {"commissioned": _l("Commissioned project (直接委托)"),
                           "draft_project": _l("Draft project for the street to publish")}
OrderOutcome.__css__ = {"commissioned": "success", "draft_project": "info"}
