"""Study partners: the opt-in pool, blocks, pairing rounds, introductions and quiet-partner pings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from bot.clock import Clock, from_epoch, to_epoch
from bot.data.loader import load_catalogue
from bot.db.connection import Database, Tx
from bot.db.repositories.checkins import AccountabilitySettings, Checkins
from bot.db.repositories.deliveries import Deliveries, Delivery
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Guilds, Members
from bot.db.repositories.partners import Partners
from bot.domain.catalogue import Catalogue
from bot.domain.pairing import Candidate, pair_members
from bot.domain.streaks import local_day
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.scheduling.recurrence import zone
from bot.services.reminders import ButtonSpec, DeliveryPlan, Kinds, Outgoing, is_away

QUIET_PING_AT = time(10, 0)


@dataclass(frozen=True)
class PoolStatus:
    in_pool: bool
    inactive: bool
    exam_code: str | None
    preferred_hours: tuple[int, ...]
    partners: tuple[int, ...]  # this round's partners (empty when not paired)
    round_number: int | None
    next_round_at: datetime | None
    thread_id: int | None


@dataclass(frozen=True)
class RoundSummary:
    number: int
    groups: list[tuple[int, ...]]
    unmatched: list[int]
    away: list[int]
    made_inactive: list[int]
    next_round_at: datetime


@dataclass(frozen=True)
class IntroPlan:
    """Open a private thread for the group (or DM each member when the server has no pairing channel)."""

    group_id: int
    parent_channel_id: int | None
    thread_id: int | None  # already opened (a retry after a crash): just post again with the same nonce
    thread_name: str
    members: tuple[int, ...]
    text: str


async def schedule_quiet_check(tx: Tx, guild_id: int, user_id: int, *, last_day: date, tz: str, quiet_days: int,
                               now: datetime, tag: str) -> None:
    """(Re)arm the "gone quiet" check for a member: it fires after ``quiet_days`` whole days without a check-in."""
    deliveries = Deliveries(tx)
    await deliveries.cancel(key_prefix=f"quiet:{guild_id}:{user_id}:")
    day = last_day + timedelta(days=quiet_days + 1)
    due = datetime.combine(day, QUIET_PING_AT, tzinfo=zone(tz))
    await deliveries.schedule(
        kind=Kinds.QUIET_CHECK, due_at=to_epoch(max(due, now)), key=f"quiet:{guild_id}:{user_id}:{tag}",
        now=to_epoch(now), guild_id=guild_id, user_id=user_id, payload={},
    )


def parse_hours(text: str | None) -> tuple[int, ...]:
    """'18-21' or '7,19,20' -> local hours; empty when nothing was given."""
    if text is None or not text.strip():
        return ()
    hours: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        try:
            if "-" in part:
                a, b = (int(x.split(":")[0]) for x in part.split("-", 1))
                if not (0 <= a <= 23 and 0 <= b <= 23):
                    raise ValueError
                span = range(a, b + 1) if a <= b else [*range(a, 24), *range(0, b + 1)]
                hours.update(span)
            else:
                h = int(part.split(":")[0])
                if not 0 <= h <= 23:
                    raise ValueError
                hours.add(h)
        except ValueError as exc:
            raise InvalidInput(f"I couldn't read the hours {text!r}.",
                               hint="Use local hours like '18-21' or '7,19,20' (0-23).") from exc
    return tuple(sorted(hours))


class PartnerService:
    def __init__(self, db: Database, clock: Clock, catalogue: Callable[[], Catalogue] = load_catalogue) -> None:
        self.db = db
        self.clock = clock
        self._catalogue = catalogue

    # --- the pool ------------------------------------------------------------------------------
    async def join(self, guild_id: int, user_id: int, *, hours: str | None = None) -> PoolStatus:
        preferred = parse_hours(hours)
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            exam = await Exams(tx).active(guild_id, user_id)
            if exam is None:
                raise InvalidInput("The partner pool matches people by exam, and you haven't set yours yet.",
                                   hint="Set your exam first, then /partner join again.")
            found = self._catalogue().exam(exam.exam_code)
            vendor = found.vendor if found else exam.exam_code.split("-")[0]
            await Members(tx).ensure(guild_id, user_id, now)
            await Partners(tx).join(guild_id, user_id, exam_code=exam.exam_code, vendor=vendor,
                                    preferred_hours=preferred, now=now)
        return await self.status(guild_id, user_id)

    async def leave(self, guild_id: int, user_id: int) -> None:
        async with self.db.transaction() as tx:
            if not await Partners(tx).leave(guild_id, user_id):
                raise NotFound("You're not in the partner pool.", hint="Join with /partner join.")
            await Deliveries(tx).cancel(key_prefix=f"quiet:{guild_id}:{user_id}:")

    async def status(self, guild_id: int, user_id: int) -> PoolStatus:
        async with self.db.read() as tx:
            partners = Partners(tx)
            entry = await partners.entry(guild_id, user_id)
            group = await partners.current_group(guild_id, user_id)
            latest = await partners.latest_round(guild_id)
            settings = await Checkins(tx).settings(guild_id)
        next_at = None
        if latest is not None:
            next_at = from_epoch(latest.started_at) + timedelta(days=settings.pairing_every_days)
        return PoolStatus(
            in_pool=entry is not None,
            inactive=bool(entry and entry.inactive_since is not None),
            exam_code=entry.exam_code if entry else None,
            preferred_hours=entry.preferred_hours if entry else (),
            partners=tuple(m for m in group.members if m != user_id) if group else (),
            round_number=latest.number if latest else None,
            next_round_at=next_at,
            thread_id=group.thread_id if group else None,
        )

    async def block(self, guild_id: int, user_id: int, blocked_id: int, *, blocked_is_bot: bool = False) -> None:
        if blocked_id == user_id:
            raise InvalidInput("You can't block yourself.")
        if blocked_is_bot:
            raise InvalidInput("Bots are never paired, so there's no need to block one.")
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            await Members(tx).ensure(guild_id, user_id, now)
            await Partners(tx).block(guild_id, user_id, blocked_id, now)

    # --- server settings -----------------------------------------------------------------------
    async def configure(self, guild_id: int, *, every_days: int | None = None, channel_id: int | None = None,
                        quiet_days: int | None = None) -> AccountabilitySettings:
        if every_days is not None and not 1 <= every_days <= 60:
            raise InvalidInput("Pairing rounds can run every 1 to 60 days.")
        if quiet_days is not None and not 1 <= quiet_days <= 14:
            raise InvalidInput("Partners can be told after 1 to 14 quiet days.")
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            await Guilds(tx).ensure(guild_id, now)
            settings = await Checkins(tx).settings(guild_id)
            settings = replace(
                settings,
                pairing_every_days=every_days or settings.pairing_every_days,
                pairing_channel_id=channel_id or settings.pairing_channel_id,
                quiet_days=quiet_days or settings.quiet_days,
            )
            await Checkins(tx).save_settings(settings, now)
            latest = await Partners(tx).latest_round(guild_id)
            if latest is None:
                # The first round starts on the schedule from now; /admin pairing run_now starts it at once.
                first = now + settings.pairing_every_days * 86400
                await Deliveries(tx).schedule(kind=Kinds.PAIRING_ROUND, due_at=first, key=f"pairing:{guild_id}:1",
                                              now=now, guild_id=guild_id, payload={"number": 1})
        return settings

    # --- rounds --------------------------------------------------------------------------------
    async def run_round(self, guild_id: int, *, number: int | None = None) -> RoundSummary | None:
        """Pair the pool now. With ``number`` (a scheduled round) nothing happens if that round already ran."""
        now = self.clock.now()
        at = to_epoch(now)
        async with self.db.transaction() as tx:
            await Guilds(tx).ensure(guild_id, at)
            partners, checkins = Partners(tx), Checkins(tx)
            settings = await checkins.settings(guild_id)
            latest = await partners.latest_round(guild_id)
            this_number = (latest.number if latest else 0) + 1
            if number is not None and number < this_number:
                return None
            made_inactive = await self._mark_silent(tx, latest.id if latest else None,
                                                    latest.started_at if latest else at, at)
            blocks = await partners.blocks_in_guild(guild_id)
            previous = await partners.previous_partners(guild_id)
            candidates: list[Candidate] = []
            away: list[int] = []
            zones: dict[int, str] = {}
            for entry in await partners.pool(guild_id):
                if entry.inactive_since is not None:
                    continue
                if await is_away(tx, guild_id, entry.user_id, at):
                    away.append(entry.user_id)
                    continue
                tz = await Members(tx).effective_timezone(guild_id, entry.user_id)
                zones[entry.user_id] = tz
                exam = await Exams(tx).active(guild_id, entry.user_id)
                offset = now.astimezone(zone(tz)).utcoffset() or timedelta(0)
                candidates.append(Candidate(
                    member_id=entry.user_id, exam_code=exam.exam_code if exam else entry.exam_code,
                    vendor=entry.vendor, tz_offset_hours=offset.total_seconds() / 3600,
                    target_date=date.fromisoformat(exam.booked_date) if exam and exam.booked_date else None,
                    preferred_hours=frozenset(entry.preferred_hours) or None,
                    previous_partners=frozenset(previous.get(entry.user_id, ())),
                    blocked=frozenset(blocks.get(entry.user_id, ())),
                    waited_last_round=entry.waited_last_round,
                ))
            result = pair_members(candidates, seed=this_number)
            ends = at + settings.pairing_every_days * 86400
            round_id = await partners.add_round(guild_id, this_number, at, ends)
            deliveries = Deliveries(tx)
            exams_by_member = {c.member_id: c.exam_code for c in candidates}
            groups: list[tuple[int, ...]] = [*result.pairs, *result.trios]
            for members in groups:
                group_id = await partners.add_group(round_id, guild_id, tuple(members), at)
                text = await self._intro_text(tx, guild_id, members, exams_by_member, zones, result.notes, now)
                await deliveries.schedule(
                    kind=Kinds.PARTNER_INTRO, due_at=at, key=f"partners:{group_id}:intro", now=at, guild_id=guild_id,
                    target_id=settings.pairing_channel_id, payload={"group_id": group_id, "text": text},
                )
                await deliveries.schedule(
                    kind=Kinds.PARTNER_CONNECT, due_at=at + settings.pairing_every_days * 86400 // 2,
                    key=f"partners:{group_id}:connect", now=at, guild_id=guild_id, payload={"group_id": group_id},
                )
                for member in members:
                    last = await checkins.last_at(guild_id, member)
                    tz = zones[member]
                    base = local_day(now, tz)
                    if last is not None and local_day(from_epoch(last), tz) >= base - timedelta(days=1):
                        base = local_day(from_epoch(last), tz)
                    await schedule_quiet_check(tx, guild_id, member, last_day=base, tz=tz,
                                               quiet_days=settings.quiet_days, now=now, tag=f"r{this_number}")
            for member in result.unmatched:
                await deliveries.schedule(
                    kind=Kinds.NOTICE, due_at=at, key=f"partners:r{round_id}:{member}:odd", now=at,
                    guild_id=guild_id, user_id=member, payload={"text": result.notes[member], "recipient": member},
                )
            await partners.set_waited(guild_id, set(result.unmatched))
            await deliveries.schedule(
                kind=Kinds.PAIRING_ROUND, due_at=ends, key=f"pairing:{guild_id}:{this_number + 1}", now=at,
                guild_id=guild_id, payload={"number": this_number + 1},
            )
        return RoundSummary(this_number, groups, list(result.unmatched), away, made_inactive, from_epoch(ends))

    async def _mark_silent(self, tx: Tx, round_id: int | None, since: int, now: int) -> list[int]:
        if round_id is None:
            return []
        partners, checkins = Partners(tx), Checkins(tx)
        silent = []
        for group in await partners.groups_of_round(round_id):
            for member in group.members:
                if await checkins.any_between(group.guild_id, member, since, now + 1):
                    continue
                if await partners.answered(group.id, member):
                    continue
                if await is_away(tx, group.guild_id, member, now):
                    continue
                entry = await partners.entry(group.guild_id, member)
                if entry is not None and entry.inactive_since is None:
                    await partners.set_inactive(group.guild_id, member, now)
                    silent.append(member)
        return silent

    async def _intro_text(self, tx: Tx, guild_id: int, members: tuple[int, ...], exams: dict[int, str],
                          zones: dict[int, str], notes: dict[int, str], now: datetime) -> str:
        who = ", ".join(f"<@{m}> ({exams[m]})" for m in members)
        lines = [f"Welcome, study partners: {who}.",
                 "Check in with each other every day or two; a short message is plenty."]
        codes = {exams[m] for m in members}
        if len(codes) == 1:
            weak: list[set[str]] = []
            for m in members:
                report = await Exams(tx).latest_report(guild_id, m, exams[m])
                if report is None:
                    weak = []
                    break
                ranked = sorted(report.estimated_percents().items(), key=lambda kv: kv[1])[:2]
                weak.append({number for number, _ in ranked})
            shared = set.intersection(*weak) if weak else set()
            if shared:
                lines.append(f"You're both working on domain {', '.join(sorted(shared))}: a good place to start.")
        partners = Partners(tx)
        hour_sets = []
        for m in members:
            entry = await partners.entry(guild_id, m)
            utc_hours = {(h - _offset_hours(zones[m], now)) % 24 for h in (entry.preferred_hours if entry else ())}
            hour_sets.append(utc_hours)
        common = set.intersection(*hour_sets) if all(hour_sets) else set()
        if common:
            utc_hour = min(common)
            local = (utc_hour + _offset_hours(zones[members[0]], now)) % 24
            lines.append(f"Suggested check-in time: {int(local):02d}:00 ({zones[members[0]]}), which suits you all.")
        else:
            lines.append("Suggested check-in time: 19:00 in your own time zones; adjust to whatever suits you.")
        if len(members) == 3 and members[0] in notes:
            lines.append(notes[members[0]])
        return "\n".join(lines)

    # --- deliveries ----------------------------------------------------------------------------
    async def plan_round(self, delivery: Delivery) -> DeliveryPlan:
        summary = await self.run_round(int(delivery.guild_id or 0), number=int(delivery.payload.get("number", 0)))
        if summary is None:
            return DeliveryPlan.skipped("that round already ran")
        return DeliveryPlan()

    async def plan_intro(self, delivery: Delivery) -> IntroPlan | DeliveryPlan:
        group_id = int(delivery.payload["group_id"])
        async with self.db.read() as tx:
            group = await Partners(tx).group(group_id)
        if group is None:
            return DeliveryPlan.skipped("group no longer exists")
        return IntroPlan(group_id, delivery.target_id, group.thread_id, f"Study partners #{group_id}",
                         group.members, delivery.payload["text"])

    async def record_thread(self, group_id: int, thread_id: int) -> None:
        async with self.db.transaction() as tx:
            await Partners(tx).set_thread(group_id, thread_id)

    async def plan_connect(self, delivery: Delivery) -> DeliveryPlan:
        async with self.db.read() as tx:
            group = await Partners(tx).group(int(delivery.payload["group_id"]))
        if group is None:
            return DeliveryPlan.skipped("group no longer exists")
        buttons = (ButtonSpec("Yes, we connected", f"rebound:connect:{group.id}:1", "success"),
                   ButtonSpec("Not yet", f"rebound:connect:{group.id}:0", "secondary"))
        text = "Halfway through the round: did you two connect?"
        if group.thread_id:
            return DeliveryPlan((Outgoing(text, channel_id=group.thread_id, buttons=buttons),))
        return DeliveryPlan(tuple(Outgoing(text, user_id=m, buttons=buttons) for m in group.members))

    async def answer_connect(self, group_id: int, user_id: int, connected: bool) -> str:
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            group = await Partners(tx).group(group_id)
            if group is None or user_id not in group.members:
                raise NotAllowed("This question is for the members of this group.")
            await Partners(tx).answer_connected(group_id, user_id, connected, now)
        if connected:
            return "Lovely. Thanks for telling me."
        return "No worries. A short hello in the thread is a fine way to start."

    async def plan_quiet_check(self, delivery: Delivery) -> DeliveryPlan:
        guild_id, user_id = int(delivery.guild_id or 0), int(delivery.user_id or 0)
        now = self.clock.now()
        async with self.db.read() as tx:
            if await is_away(tx, guild_id, user_id, to_epoch(now)):
                return DeliveryPlan.skipped("member is away")
            settings = await Checkins(tx).settings(guild_id)
            tz = await Members(tx).effective_timezone(guild_id, user_id)
            since = datetime.combine(local_day(now, tz) - timedelta(days=settings.quiet_days), time(0),
                                     tzinfo=zone(tz))
            if await Checkins(tx).any_between(guild_id, user_id, to_epoch(since), to_epoch(now) + 1):
                return DeliveryPlan.skipped("checked in recently")
            group = await Partners(tx).current_group(guild_id, user_id)
            if group is None:
                return DeliveryPlan.skipped("no partner this round")
            messages = []
            for other in group.members:
                if other == user_id or await is_away(tx, guild_id, other, to_epoch(now)):
                    continue
                messages.append(Outgoing(
                    f"Your study partner <@{user_id}> hasn't checked in for {settings.quiet_days} days. "
                    "A kind word from you might help; this stays between you two.",
                    user_id=other,
                    buttons=(ButtonSpec("Send encouragement", f"rebound:encourage:{guild_id}:{user_id}", "primary"),),
                ))
        messages.append(Outgoing(
            "It's been a couple of quiet days. That's all right; retakes are a long road. "
            "When you're ready, even a 15-minute session and /checkin log gets you going again. "
            "Taking a break? /away pauses everything.",
            user_id=user_id,
        ))
        return DeliveryPlan(tuple(messages))

    async def encourage(self, guild_id: int, from_id: int, to_id: int) -> str:
        now = self.clock.now()
        async with self.db.transaction() as tx:
            group = await Partners(tx).current_group(guild_id, to_id)
            if group is None or from_id not in group.members or from_id == to_id:
                raise NotAllowed("You can only encourage your current study partner.")
            day = local_day(now, await Members(tx).effective_timezone(guild_id, to_id))
            scheduled = await Deliveries(tx).schedule(
                kind=Kinds.NOTICE, due_at=to_epoch(now), key=f"encourage:{guild_id}:{from_id}:{to_id}:{day}",
                now=to_epoch(now), guild_id=guild_id, user_id=to_id,
                payload={"text": f"Your study partner <@{from_id}> is cheering you on. One small session today "
                                 "is enough to keep going.", "recipient": to_id},
            )
        if not scheduled:
            raise Conflict("You've already sent encouragement today; thank you for caring.")
        return "Sent. A small nudge from a partner means a lot."


def _offset_hours(tz: str, now: datetime) -> float:
    offset = now.astimezone(zone(tz)).utcoffset()
    return (offset or timedelta(0)).total_seconds() / 3600
