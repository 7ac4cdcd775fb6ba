"""The demo's 社区书记点单会: one held five days ago by 李村街道 (items presented with their roadshow
slots; orders accepted — one commissioned project now in delivery —, declined with a reason, and one
waiting for `org`'s answer) and one upcoming with its roadshow schedule, where `secretary` can shortlist.

The past meeting's rows are written as they were (its date is in the past, which scheduling through
the domain refuses); its orders and answers go through the domain today, inside its ordering window."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from marketplace.domain.core import accounts, audit, clock, rules
from marketplace.domain.supply import ordering
from marketplace.extensions import db
from marketplace.models import (
    Community,
    MeetingItem,
    MeetingStatus,
    OrderingMeeting,
    Organization,
    Role,
    ServiceItem,
    ServiceStatus,
    Street,
    User,
)


def _secretary(community: Community, n: int, password: str) -> User:
    user = db.session.scalar(select(User).where(User.role == Role.secretary, User.community_id == community.id))
    if user is None:
        user = accounts.create_user("demo", username=f"secretary{n}", password=password, check_strength=False,
                                    display_name=f"{community.name} 书记", role=Role.secretary,
                                    community_id=community.id)
    return user


def _candidates(street: Street, avoid: set[int]) -> list[ServiceItem]:
    """Listed items covering the street whose organizations may take a commissioned project now."""
    from marketplace.domain.supply.catalogue import covers_clause

    items = db.session.scalars(select(ServiceItem).where(ServiceItem.status == ServiceStatus.listed,
                                                         covers_clause(street.id)).order_by(ServiceItem.id)).all()
    out, seen = [], set()
    for item in items:
        if item.organization_id in avoid or item.organization_id in seen:
            continue
        if not ordering.org_refusals(item.organization, commissioned=True):
            out.append(item)
            seen.add(item.organization_id)
    return out


def build_meetings(password: str) -> None:
    """Idempotent: does nothing when a meeting exists."""
    if db.session.scalar(select(OrderingMeeting.id).limit(1)) is not None:
        return
    officer = db.session.scalar(select(User).where(User.username == "street"))
    secretary = db.session.scalar(select(User).where(User.username == "secretary"))
    org_user = db.session.scalar(select(User).where(User.username == "org"))
    if officer is None or secretary is None or org_user is None:
        return
    street = db.session.get(Street, officer.street_id)
    communities = [secretary.community] + [c for c in db.session.scalars(
        select(Community).where(Community.street_id == street.id).order_by(Community.id)) if c.id != secretary.community_id][:2]
    secretaries = [secretary] + [_secretary(c, n, password) for n, c in enumerate(communities[1:], start=2)]
    org = db.session.get(Organization, org_user.organization_id)
    own = db.session.scalar(select(ServiceItem).where(ServiceItem.organization_id == org.id,
                                                      ServiceItem.status == ServiceStatus.listed).order_by(ServiceItem.id))
    picks = _candidates(street, {org.id})
    if len(picks) < 6:
        return
    today = clock.now().astimezone(clock.LOCAL_TZ).date()

    # --- the past meeting: 李村街道, five days ago ------------------------------------------------------
    starts = datetime.combine(today - timedelta(days=5), time(9, 30), tzinfo=clock.LOCAL_TZ)
    past = OrderingMeeting(code=ordering.meeting_code(), title="李村街道2026年冬季社区书记点单会", street_id=street.id,
                           starts_at=starts, place="李村街道党群服务中心三楼报告厅",
                           orders_close_at=starts + timedelta(days=rules.get_rule("ordering.order_window_days")),
                           notes="各社区书记请提前浏览路演项目、加入意向清单；会上每个项目路演 10 分钟，会后两周内可继续点单。",
                           status=MeetingStatus.scheduled, created_by_id=officer.id)
    past.communities = communities
    db.session.add(past)
    db.session.flush()
    audit.append(officer, "meeting.scheduled", past, {
        "code": past.code, "title": past.title, "starts_at": starts.isoformat(), "place": past.place,
        "communities": [c.id for c in communities]})
    shown = picks[:3] + ([own] if own is not None else [])
    rows = []
    for n, item in enumerate(shown):
        row = MeetingItem(meeting_id=past.id, item_id=item.id, slot_at=starts + timedelta(minutes=15 * n),
                          slot_minutes=10, capacity=max(1, item.monthly_capacity // 2))
        db.session.add(row)
        db.session.flush()
        audit.append(officer, "meeting.item_presented", past, {"code": past.code, "item": item.code,
                                                                "slot_at": row.slot_at.isoformat(),
                                                                "capacity": row.capacity})
        rows.append(row)

    def budget(row: MeetingItem, quantity: int, months: int) -> str:
        return str(min(ordering.suggested_budget(row.item, quantity, months), ordering.commission_limit()))

    first = rows[0]
    quantity = max(1, first.capacity // 2)
    accepted = ordering.place(secretaries[0], first, {"quantity": quantity, "months": 3,
                                                      "budget": budget(first, quantity, 3),
                                                      "note": "请优先安排独居老人家庭。"})
    winner = db.session.scalar(select(User).where(User.organization_id == first.item.organization_id,
                                                  User.role == Role.organization))
    if winner is None:
        winner = accounts.create_user("demo", username=f"org-{first.item.organization_id}", password=password,
                                      check_strength=False, display_name=f"{first.item.organization.name} 联系人",
                                      role=Role.organization, organization_id=first.item.organization_id)
    ordering.accept(winner, accepted)

    second = rows[1]
    declined = ordering.place(secretaries[1], second, {"quantity": 1, "months": 2, "budget": budget(second, 1, 2)})
    other = db.session.scalar(select(User).where(User.organization_id == second.item.organization_id,
                                                 User.role == Role.organization))
    if other is None:
        other = accounts.create_user("demo", username=f"org-{second.item.organization_id}", password=password,
                                     check_strength=False, display_name=f"{second.item.organization.name} 联系人",
                                     role=Role.organization, organization_id=second.item.organization_id)
    ordering.decline(other, declined, "本月服务人员已排满，下月起可接单，欢迎再次点单。")

    third = rows[2]
    ordering.place(secretaries[2], third, {"quantity": 1, "months": 6, "budget": budget(third, 1, 6)})
    if own is not None:  # waiting for `org`'s answer
        mine = rows[3]
        ordering.place(secretaries[0], mine, {"quantity": 1, "months": 2, "budget": budget(mine, 1, 2),
                                              "note": "社区活动室可作为服务场地。"})

    # --- the upcoming meeting: in a week, its roadshow schedule ----------------------------------------
    upcoming = ordering.schedule(officer, {
        "title": "李村街道2027年春季社区书记点单会",
        "starts_at": datetime.combine(today + timedelta(days=7), time(14, 0), tzinfo=clock.LOCAL_TZ),
        "place": "李村街道社会组织孵化基地路演厅", "community_ids": [c.id for c in communities],
        "notes": "路演顺序见议程；会前可在本页把感兴趣的服务加入意向清单。"})
    for n, item in enumerate(picks[3:8]):
        ordering.present(officer, upcoming, item, upcoming.starts_at + timedelta(minutes=15 * n), 12,
                         max(1, item.monthly_capacity // 2))
    db.session.flush()
