"""The Discord side of accountability deliveries: DMs, channel posts, partner threads and message edits.

Every message carries the deterministic nonce of its ledger row (plus its index), so a resend after a
crash is dropped by Discord. A DM refused with 50007 (the member closed their DMs) is not retried: it
is noted once, and the member is told in the server the next time they use one of these commands.

A partner thread has no nonce, so it is started through ``bot.ui.creations.start_thread_once``: a creation
Discord performed twice keeps one copy.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.db.repositories.deliveries import Delivery
from bot.scheduling.dispatcher import Outcome, nonce_for
from bot.services.partners import IntroPlan
from bot.services.reminders import DeliveryPlan, Kinds, Outgoing
from bot.ui.accountability_views import view_for
from bot.ui.creations import attempt_floor, start_thread_once
from bot.ui.respond import NO_PINGS

if TYPE_CHECKING:
    from bot.client import ReboundBot

log = logging.getLogger(__name__)

CANNOT_DM = 50007
# Discord allows a nonce of at most 25 characters; nonce_for gives 20, leaving room for an index.
MAX_NONCE = 25


class DeliverySender:
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self._dm_channels: dict[int, int] = {}

    def register(self) -> None:
        """Register a handler for each kind, once (a reloaded cog must not register twice)."""
        services = self.bot.services
        planners = {
            Kinds.NOTICE: services.reminders.plan_notice,
            Kinds.CHECKIN_REMINDER: services.reminders.plan_checkin_reminder,
            Kinds.SESSION_BEFORE: services.reminders.plan_session,
            Kinds.SESSION_AFTER: services.reminders.plan_session,
            Kinds.QUIET_CHECK: services.partners.plan_quiet_check,
            Kinds.PAIRING_ROUND: services.partners.plan_round,
            Kinds.PARTNER_INTRO: services.partners.plan_intro,
            Kinds.PARTNER_CONNECT: services.partners.plan_connect,
            Kinds.COUNTDOWN: services.countdown.plan,
        }
        for kind, planner in planners.items():
            if kind not in self.bot.dispatcher.kinds:
                self.bot.dispatcher.register(kind, self._handler(planner))
        if Kinds.BREATHE_STEP not in self.bot.dispatcher.kinds:
            self.bot.dispatcher.register(Kinds.BREATHE_STEP, self.edit_step)

    def _handler(self, planner):
        async def handle(delivery: Delivery) -> Outcome:
            plan = await planner(delivery)
            if isinstance(plan, IntroPlan):
                return await self.introduce(delivery, plan)
            return await self.send_plan(delivery, plan)
        return handle

    async def send_plan(self, delivery: Delivery, plan: DeliveryPlan) -> Outcome:
        if plan.skip:
            return Outcome.skipped(plan.skip)
        refused = 0
        for index, message in enumerate(plan.messages):
            try:
                await self.send(message, nonce=_nonce(delivery.idempotency_key, index), guild_id=delivery.guild_id)
            except discord.Forbidden as exc:
                if exc.code != CANNOT_DM or message.channel_id is not None:
                    raise
                refused += 1
        if plan.messages and refused == len(plan.messages):
            return Outcome.failed("DMs closed (50007)")
        return Outcome.sent()

    async def send(self, message: Outgoing, *, nonce: str, guild_id: int | None) -> discord.Message:
        view = view_for(message.buttons)
        kwargs = {"content": message.text, "nonce": nonce, "allowed_mentions": NO_PINGS}
        if view is not None:
            kwargs["view"] = view
        if message.channel_id is not None:
            return await self.bot.get_partial_messageable(message.channel_id).send(**kwargs)
        user_id = int(message.user_id or 0)
        try:
            channel = await self.dm_channel(user_id)
            sent = await channel.send(**kwargs)
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM:
                await self.bot.services.reminders.note_closed_dm(guild_id, user_id)
            raise
        return sent

    async def dm_channel(self, user_id: int) -> discord.abc.Messageable:
        cached = self._dm_channels.get(user_id)
        if cached is not None:
            return self.bot.get_partial_messageable(cached, type=discord.ChannelType.private)
        data = await self.bot.http.start_private_message(user_id)
        channel_id = int(data["id"])
        self._dm_channels[user_id] = channel_id
        return self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.private)

    async def introduce(self, delivery: Delivery, plan: IntroPlan) -> Outcome:
        nonce = _nonce(delivery.idempotency_key, 0)
        if plan.parent_channel_id is None:
            for member in plan.members:
                try:
                    await self.send(Outgoing(plan.text, user_id=member), nonce=nonce, guild_id=delivery.guild_id)
                except discord.Forbidden as exc:
                    if exc.code != CANNOT_DM:
                        raise
            return Outcome.sent()
        thread_id = plan.thread_id
        if thread_id is None:
            http, parent_id = self.bot.http, plan.parent_channel_id

            async def start() -> int:
                data = await http.start_thread_without_message(
                    parent_id, name=plan.thread_name, auto_archive_duration=10080,
                    type=discord.ChannelType.private_thread.value, invitable=False,
                    reason="study partners for this round",
                )
                return int(data["id"])

            thread_id = await start_thread_once(
                http, start, guild_id=int(delivery.guild_id or 0), parent_id=parent_id, name=plan.thread_name,
                owner_id=self.bot.user.id if self.bot.user else 0, floor=attempt_floor(),
            )
            await self.bot.services.partners.record_thread(plan.group_id, thread_id)
            for member in plan.members:
                await self.bot.http.add_user_to_thread(thread_id, member)
        await self.send(Outgoing(plan.text, channel_id=thread_id), nonce=nonce, guild_id=delivery.guild_id)
        return Outcome.sent()

    async def edit_step(self, delivery: Delivery) -> Outcome:
        payload = delivery.payload
        channel = self.bot.get_partial_messageable(int(payload["channel_id"]), type=discord.ChannelType.private)
        try:
            await channel.get_partial_message(int(payload["message_id"])).edit(content=payload["text"])
        except discord.NotFound:
            return Outcome.skipped("the message was deleted")
        return Outcome.sent()


def _nonce(key: str, index: int) -> str:
    return (nonce_for(key) + (f"-{index}" if index else ""))[:MAX_NONCE]
