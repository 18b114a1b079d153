"""The shared resource library: what members recommend, ranked by helpful votes.

Every check happens before the one write, so a refused addition leaves nothing behind: the link must be
http(s), the same link (normalised) may be shared once per server, and a member adds at most
``MAX_ADDITIONS_PER_DAY`` in any 24 hours. Resource types are the check-in types, so the check-in nudge
can suggest a concrete, well-voted resource of a type the member hasn't tried (``suggest_for_type``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from bot.clock import Clock, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.community import ResourceRepo, ResourceRow
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.domain.exams import Exam
from bot.domain.resource_types import RESOURCE_TYPES, resource_key
from bot.domain.text import domain_numbers
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.catalogue_service import CatalogueService
from bot.services.guild_settings import features_in

MAX_ADDITIONS_PER_DAY = 5
DAY = 86400
TITLE_LIMITS = (3, 100)
URL_MAX = 500
WHY_LIMITS = (10, 500)
REASON_MAX = 200
LIST_LIMIT = 10
#: A suggestion has to have earned at least this many helpful votes.
SUGGEST_MIN_VOTES = 1
#: Query parameters that only track where a click came from; they never change what the link shows.
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|igshid|si)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}

RESOURCES_OFF = "The resource library is switched off on this server."


@dataclass(frozen=True)
class ResourceView:
    id: int
    title: str
    url: str
    resource_type: str
    type_label: str
    exam_code: str | None
    domains: tuple[str, ...]
    why: str
    added_by: int
    votes: int
    voted_by_me: bool = False


@dataclass(frozen=True)
class ResourceList:
    exam_code: str | None
    domain: str | None  # "2.0 Security Operations" when filtered by a domain
    resource_type: str | None
    items: tuple[ResourceView, ...]
    total: int  # how many matched before the list was cut to LIST_LIMIT


@dataclass(frozen=True)
class VoteResult:
    resource_id: int
    title: str
    votes: int
    counted: bool  # True: the vote was added; False: it was taken back


def type_label(key: str) -> str:
    return RESOURCE_TYPES.get(key, key.replace("_", " ").capitalize())


def link_key(url: str) -> str:
    """The link reduced to what identifies the page: host without www, path, meaningful query; no scheme.

    ``https://www.Example.com/Course/?utm_source=x#part`` and ``http://example.com/Course`` share a key.
    Raises ``InvalidInput`` for anything that is not a plain http(s) link.
    """
    text = url.strip()
    if not text:
        raise InvalidInput("Please paste the link to the resource.")
    if len(text) > URL_MAX:
        raise InvalidInput(f"That link is longer than {URL_MAX} characters; please share a shorter one.")
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise InvalidInput("A link can't contain spaces; please paste just the address.")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidInput(
            "Only web links (starting with http:// or https://) can be shared.",
            hint="Copy the address from your browser's address bar.",
        )
    if parts.username or parts.password:
        raise InvalidInput("Links with a user name or password in them can't be shared.")
    host = (parts.hostname or "").rstrip(".")
    if "." not in host:
        raise InvalidInput("That link has no web address in it (like example.com).")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidInput("That link's port number isn't valid.") from exc
    host = host.removeprefix("www.")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not _TRACKING.match(k.lower()))
    return host + path + (f"?{urlencode(query)}" if query else "")


def _clean(text: str | None, what: str, limits: tuple[int, int]) -> str:
    value = " ".join((text or "").split())
    low, high = limits
    if len(value) < low:
        raise InvalidInput(f"The {what} needs at least {low} characters.")
    if len(value) > high:
        raise InvalidInput(f"Please keep the {what} under {high} characters.")
    return value


def _domains(exam: Exam | None, typed: str | None) -> tuple[str, ...]:
    if typed is None or not typed.strip():
        return ()
    if exam is None:
        raise InvalidInput("Domains belong to an exam: name the exam too, or leave the domains empty.")
    return domain_numbers(exam, typed)


def _view(row: ResourceRow, voted: bool = False) -> ResourceView:
    return ResourceView(row.id, row.title, row.url, row.resource_type, type_label(row.resource_type), row.exam_code,
                        row.domains, row.why, row.added_by, row.votes, voted)


async def suggest_in(tx: Tx, guild_id: int, exam_code: str | None, resource_type: str,
                     *, min_votes: int = SUGGEST_MIN_VOTES) -> ResourceView | None:
    """The best-voted live resource of this type for the exam (or for any exam), inside an open unit of work;
    None when nothing has ``min_votes`` yet or the server switched the library off."""
    if "resources" not in await features_in(tx, guild_id):
        return None
    rows = await ResourceRepo(tx).ranked(guild_id, exam_code=exam_code, resource_type=resource_type)
    best = next((r for r in rows if r.votes >= min_votes), None)
    return _view(best) if best else None


class ResourceService:
    def __init__(self, db: Database, clock: Clock, catalogues: CatalogueService) -> None:
        self.db = db
        self.clock = clock
        self.catalogues = catalogues

    @staticmethod
    def types() -> dict[str, str]:
        """Resource type key -> label (the same types check-ins record)."""
        return dict(RESOURCE_TYPES)

    async def _require_enabled(self, tx: Tx, guild_id: int) -> None:
        if "resources" not in await features_in(tx, guild_id):
            raise NotAllowed(RESOURCES_OFF)

    async def add(
        self, guild_id: int, user_id: int, *, title: str, url: str, resource_type: str, why: str,
        exam_code: str | None = None, domains: str | None = None,
    ) -> ResourceView:
        clean_title = _clean(title, "title", TITLE_LIMITS)
        clean_why = _clean(why, "“why it helped”", WHY_LIMITS)
        key = link_key(url)
        kind = resource_key(resource_type)
        if kind is None:
            raise InvalidInput("Please pick the kind of resource.",
                               hint="One of: " + ", ".join(v.lower() for v in RESOURCE_TYPES.values()) + ".")
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            await self._require_enabled(tx, guild_id)
            exam = None
            if exam_code and exam_code.strip().lower() not in ("any", "all"):
                exam = (await self.catalogues.for_guild(tx, guild_id)).require(exam_code)
            numbers = _domains(exam, domains)
            repo = ResourceRepo(tx)
            recent = await repo.added_times_since(guild_id, user_id, now - DAY)
            if len(recent) >= MAX_ADDITIONS_PER_DAY:
                free_at = recent[-MAX_ADDITIONS_PER_DAY] + DAY
                raise NotAllowed(
                    f"You've shared {MAX_ADDITIONS_PER_DAY} resources in the last 24 hours. Thank you! "
                    f"To keep the library easy to read, the next one can go in <t:{free_at}:R>.",
                )
            existing = await repo.live_by_key(guild_id, key)
            if existing is not None:
                raise Conflict(
                    f"That link is already in the library as “{existing.title}” (#{existing.id}).",
                    hint="If it helped you too, give it a helpful vote in /resources list.",
                )
            await Members(tx).ensure(guild_id, user_id, now)
            resource_id = await repo.add(
                guild_id=guild_id, exam_code=exam.code if exam else None, title=clean_title, url=url.strip(),
                url_key=key, resource_type=kind, domains=numbers, why=clean_why, added_by=user_id, now=now,
            )
            row = await repo.get(guild_id, resource_id)
        assert row is not None
        return _view(row)

    async def browse(
        self, guild_id: int, user_id: int, *, exam_code: str | None = None, domain: str | None = None,
        resource_type: str | None = None, limit: int = LIST_LIMIT,
    ) -> ResourceList:
        """What members recommend, most helpful first. Without an exam: the member's own, else every exam."""
        kind = resource_key(resource_type)
        async with self.db.read() as tx:
            await self._require_enabled(tx, guild_id)
            catalogue = await self.catalogues.for_guild(tx, guild_id)
            exam = None
            if exam_code and exam_code.strip().lower() not in ("any", "all"):
                exam = catalogue.require(exam_code)
            elif not exam_code:
                active = await Exams(tx).active(guild_id, user_id)
                exam = catalogue.exam(active.exam_code) if active else None
            numbers = _domains(exam, domain.replace(",", " ") if domain else None)
            number = numbers[0] if numbers else None
            domain_label = None
            if exam is not None and number is not None:
                domain_label = next(f"{d.number} {d.name}" for d in exam.domains if d.number == number)
            repo = ResourceRepo(tx)
            rows = await repo.ranked(guild_id, exam_code=exam.code if exam else None, resource_type=kind)
            if number is not None:
                rows = [r for r in rows if number in r.domains]
            shown = rows[:limit]
            items = tuple([_view(r, await repo.has_vote(r.id, user_id)) for r in shown])
        return ResourceList(exam.code if exam else None, domain_label, kind, items, len(rows))

    async def vote(self, guild_id: int, user_id: int, resource_id: int) -> VoteResult:
        """A helpful vote, or taking it back when the member had voted already."""
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            repo = ResourceRepo(tx)
            row = await repo.get(guild_id, resource_id)
            if row is None or row.removed:
                raise NotFound("That resource isn't in the library any more.")
            if row.added_by == user_id:
                raise InvalidInput("You shared this one, so your vote is already implied; votes come from others.")
            if await repo.has_vote(resource_id, user_id):
                await repo.remove_vote(resource_id, user_id)
                counted = False
            else:
                await Members(tx).ensure(guild_id, user_id, now)
                await repo.add_vote(resource_id, guild_id, user_id, now)
                counted = True
            votes = await repo.votes(resource_id)
        return VoteResult(resource_id, row.title, votes, counted)

    async def remove(
        self, guild_id: int, user_id: int, resource_id: int, *, can_moderate: bool, reason: str | None = None,
    ) -> ResourceView:
        """Take a resource out of the library (moderators, or the member who shared it)."""
        note = " ".join((reason or "").split()) or None
        if note is not None and len(note) > REASON_MAX:
            raise InvalidInput(f"Please keep the reason under {REASON_MAX} characters.")
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            repo = ResourceRepo(tx)
            row = await repo.get(guild_id, resource_id)
            if row is None or row.removed:
                raise NotFound(f"There is no resource #{resource_id} in this server's library.")
            if not can_moderate and row.added_by != user_id:
                raise NotAllowed("Only moderators (Manage Messages) or the member who shared it can remove a resource.")
            await repo.remove(guild_id, resource_id, user_id, note, now)
        return _view(row)

    async def suggest_for_type(
        self, guild_id: int, exam_code: str | None, resource_type: str, *, min_votes: int = SUGGEST_MIN_VOTES,
    ) -> ResourceView | None:
        """A concrete, well-voted resource of ``resource_type`` for the exam, or None (for the check-in nudge)."""
        try:
            kind = resource_key(resource_type)
        except InvalidInput:
            return None  # a type check-ins don't know has no resources to suggest
        if kind is None:
            return None
        async with self.db.read() as tx:
            return await suggest_in(tx, guild_id, exam_code, kind, min_votes=min_votes)
