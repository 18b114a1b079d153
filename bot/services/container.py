"""Builds every service once, from the database and the clock (the composition root's helper)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.data.loader import load_catalogue
from bot.db.connection import Database
from bot.services.banks import BankService
from bot.services.catalogue_service import CatalogueService
from bot.services.checkins import CheckinService
from bot.services.countdown import CountdownService
from bot.services.exams import ExamService
from bot.services.mocks import MockService
from bot.services.partners import PartnerService
from bot.services.practice import PracticeService
from bot.services.quiz import QuizService
from bot.services.readiness import ReadinessService
from bot.services.reminders import ReminderService
from bot.services.settings import SettingsService


@dataclass
class Services:
    settings: SettingsService
    catalogues: CatalogueService
    exams: ExamService
    practice: PracticeService
    quiz: QuizService
    banks: BankService
    mocks: MockService
    readiness: ReadinessService
    checkins: CheckinService
    reminders: ReminderService
    partners: PartnerService
    countdown: CountdownService

    @classmethod
    def build(cls, db: Database, clock: Clock) -> Services:
        catalogues = CatalogueService(load_catalogue)
        return cls(
            settings=SettingsService(db, clock),
            catalogues=catalogues,
            exams=ExamService(db, clock, catalogues),
            practice=PracticeService(db, clock),
            quiz=QuizService(db, clock),
            banks=BankService(db, clock),
            mocks=MockService(db, clock),
            readiness=ReadinessService(db, clock),
            checkins=CheckinService(db, clock),
            reminders=ReminderService(db, clock),
            partners=PartnerService(db, clock),
            countdown=CountdownService(db, clock),
        )
