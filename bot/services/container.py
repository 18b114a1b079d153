"""Builds every service once, from the database and the clock (the composition root's helper)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.data.loader import load_catalogue
from bot.db.connection import Database
from bot.services.banks import BankService
from bot.services.board import BoardService
from bot.services.catalogue_service import CatalogueService
from bot.services.checkins import CheckinService
from bot.services.cohorts import CohortService
from bot.services.countdown import CountdownService
from bot.services.digest import DigestService
from bot.services.exams import ExamService
from bot.services.guild_settings import GuildSettingsService
from bot.services.mocks import MockService
from bot.services.onboarding import OnboardingService
from bot.services.partners import PartnerService
from bot.services.practice import PracticeService
from bot.services.privacy import PrivacyService
from bot.services.progress import ProgressService
from bot.services.quiz import QuizService
from bot.services.readiness import ReadinessService
from bot.services.reminders import ReminderService
from bot.services.resources import ResourceService
from bot.services.settings import SettingsService


@dataclass
class Services:
    settings: SettingsService
    catalogues: CatalogueService
    exams: ExamService
    practice: PracticeService
    quiz: QuizService
    banks: BankService
    checkins: CheckinService
    reminders: ReminderService
    partners: PartnerService
    countdown: CountdownService
    mocks: MockService
    readiness: ReadinessService
    board: BoardService
    progress: ProgressService
    digest: DigestService
    privacy: PrivacyService
    # Community services use other services, so they are built after the rest (see ``_add_community``).
    guild_settings: GuildSettingsService = field(init=False)
    cohorts: CohortService = field(init=False)
    resources: ResourceService = field(init=False)
    onboarding: OnboardingService = field(init=False)

    @classmethod
    def build(cls, db: Database, clock: Clock, *, guild_data_grace_days: int = 30) -> Services:
        catalogues = CatalogueService(load_catalogue)
        services = cls(
            settings=SettingsService(db, clock),
            catalogues=catalogues,
            exams=ExamService(db, clock, catalogues),
            practice=PracticeService(db, clock),
            quiz=QuizService(db, clock),
            banks=BankService(db, clock),
            checkins=CheckinService(db, clock),
            reminders=ReminderService(db, clock),
            partners=PartnerService(db, clock),
            countdown=CountdownService(db, clock),
            mocks=MockService(db, clock),
            readiness=ReadinessService(db, clock),
            board=BoardService(db, clock, catalogues),
            progress=ProgressService(db, clock, catalogues),
            digest=DigestService(db, clock),
            privacy=PrivacyService(db, clock, grace_days=guild_data_grace_days),
        )
        services._add_community(db, clock, catalogues)
        return services

    def _add_community(self, db: Database, clock: Clock, catalogues: CatalogueService) -> None:
        self.guild_settings = GuildSettingsService(db, clock, checkins=self.checkins, partners=self.partners,
                                                   readiness=self.readiness, board=self.board)
        self.cohorts = CohortService(db, clock, catalogues)
        self.resources = ResourceService(db, clock, catalogues)
        self.onboarding = OnboardingService(
            db, clock, exams=self.exams, settings=self.settings, reminders=self.reminders, partners=self.partners,
            board=self.board, cohorts=self.cohorts,
        )
