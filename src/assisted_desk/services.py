"""Builds the services over one database, for the GUI (app.py) and the command line (cli.py).

No Qt here: the command line must work on a machine without a display.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL

from .casework.calendar import BankHolidays
from .casework.case_types import CaseTypes
from .casework.caseload import Caseload
from .casework.cases import CaseService
from .casework.sla_figures import CaseSlaFigures
from .core.audit import AuditService
from .core.clock import Clock
from .core.config import Paths
from .core.db import Database
from .core.errors import EnvironmentFault
from .core.migrate import upgrade
from .core.secrets import SecretStore, database_secret_key
from .core.security import PasswordHashing
from .core.preferences import PreferenceService
from .core.settings import SettingsService
from .core.signin import SignInService
from .core.staff import StaffService
from .desk.catalogue import ServiceCatalogue
from .desk.consent import ConsentService
from .desk.interactions import InteractionService
from .desk.timeline import TimelineService
from .desk.search import ResidentSearch
from .desk.residents import ResidentService
from .desk.queue import QueueService
from .desk.callbacks import CallbackService
from .desk.attachments import AttachmentService
from .desk.backoffice_settings import BackOfficeSettings
from .desk.outbox_sender import OutboxSender
from .desk.submissions import SubmissionService
from .inclusion.assessments import SkillsAssessmentService
from .inclusion.directory import PartnerDirectory
from .inclusion.matching import ServiceMatcher
from .inclusion.referral_csv import PartnerUpdatesImport
from .inclusion.referral_sender import ReferralSender
from .inclusion.referrals import ReferralService
from .printing.print_records import PrintLog
from .privacy.erasure import ErasureService
from .privacy.retention import RetentionService
from .privacy.subject_access import SubjectAccessService
from .reporting.desk import DeskReport
from .reporting.referrals import ReferralReport
from .reporting.service import ReportService
from .reporting.skills import SkillsReport


@dataclass
class Services:
    paths: Paths
    db: Database
    clock: Clock
    secrets: SecretStore
    staff: StaffService
    signin: SignInService
    audit: AuditService
    settings: SettingsService
    search: ResidentSearch
    residents: ResidentService
    catalogue: ServiceCatalogue
    consent: ConsentService
    interactions: InteractionService
    timeline: TimelineService
    queue: QueueService
    callbacks: CallbackService
    attachments: AttachmentService
    backoffice: BackOfficeSettings
    submissions: SubmissionService
    skills: SkillsAssessmentService
    outbox: OutboxSender  # this desk's sender: the GUI runs it in the background, `sync` once
    partners: PartnerDirectory
    matcher: ServiceMatcher  # suggests partner services for a resident's needs
    referrals: ReferralService
    partner_updates: PartnerUpdatesImport  # partners' spreadsheets of referral updates
    referral_sender: ReferralSender  # referrals to partners' APIs, run with the outbox
    print_log: PrintLog  # every guide, plan and slip printed or saved, for the timeline and reports
    case_types: CaseTypes  # advocacy case types: statuses, moves, SLA targets
    bank_holidays: BankHolidays  # days the SLA clock skips
    cases: CaseService  # advocacy cases, from opening to closing
    caseload: Caseload  # my cases and the team's, with what is due and overdue
    case_figures: CaseSlaFigures  # on-time first response and resolution, escalations: for reports
    reports: ReportService  # referral outcomes, skills progress, desk performance; disclosure-controlled
    preferences: PreferenceService  # each person's remembered choices (report filters)
    erasure: ErasureService  # erasing a resident at their request; legal holds
    retention: RetentionService  # how long records are kept, and the sweep that anonymises
    subject_access: SubjectAccessService  # everything held about a resident, for subject access
    notice: str = ""  # something the person should know about how the database was opened

    def close(self) -> None:
        self.outbox.close()
        self.db.dispose()


def database_password_key(url: URL) -> str:
    return database_secret_key(url.username, url.host, url.port, url.database)


def with_keyring_password(url: URL, secrets: SecretStore) -> URL:
    """A PostgreSQL address gets its password from the keyring; one is never read from a file."""
    if url.get_backend_name() != "postgresql" or url.password:
        return url
    password = secrets.get(database_password_key(url))
    return url.set(password=password) if password else url


def open_services(
    paths: Paths,
    url: URL,
    *,
    clock: Clock | None = None,
    hashing: PasswordHashing | None = None,
    secrets: SecretStore | None = None,
    migrate: bool = True,
) -> Services:
    """Connect, migrate (copying a SQLite file aside first) and build every service.

    Raises EnvironmentFault when the database cannot be used; nothing is changed then."""
    clock = clock or Clock()
    secrets = secrets or SecretStore()
    hashing = hashing or PasswordHashing()
    paths.ensure()
    db = Database(with_keyring_password(url, secrets))
    try:
        if migrate:
            upgrade(db, paths.backup_dir, clock)
        else:
            db.ping()
    except EnvironmentFault:
        db.dispose()
        raise
    catalogue = ServiceCatalogue(db, clock)
    consent = ConsentService(db, clock, catalogue)
    settings = SettingsService(db, clock)
    attachments = AttachmentService(db, clock, settings)
    interactions = InteractionService(db, clock, consent, catalogue, attachments)
    backoffice = BackOfficeSettings(settings, secrets)
    skills = SkillsAssessmentService(db, clock)
    return Services(
        paths=paths,
        db=db,
        clock=clock,
        secrets=secrets,
        staff=StaffService(db, clock, hashing),
        signin=SignInService(db, clock, hashing),
        audit=AuditService(db, clock),
        settings=settings,
        catalogue=catalogue,
        consent=consent,
        interactions=interactions,
        timeline=TimelineService(db, clock),
        search=ResidentSearch(db, clock),
        residents=ResidentService(db, clock),
        queue=QueueService(db, clock),
        callbacks=CallbackService(db, clock),
        attachments=attachments,
        backoffice=backoffice,
        submissions=SubmissionService(db, clock, interactions, attachments),
        skills=skills,
        outbox=OutboxSender(db, clock, backoffice),
        partners=PartnerDirectory(db, clock),
        matcher=ServiceMatcher(db, clock, skills),
        referrals=ReferralService(db, clock, consent, settings),
        partner_updates=PartnerUpdatesImport(db, clock),
        referral_sender=ReferralSender(db, clock, secrets),
        print_log=PrintLog(db, clock),
        case_types=CaseTypes(db, clock),
        bank_holidays=BankHolidays(db, clock),
        cases=CaseService(db, clock, attachments),
        caseload=Caseload(db, clock),
        case_figures=CaseSlaFigures(db, clock),
        reports=ReportService(db, clock, settings, [ReferralReport(), SkillsReport(skills.frameworks), DeskReport()]),
        preferences=PreferenceService(db, clock),
        erasure=ErasureService(db, clock),
        retention=RetentionService(db, clock),
        subject_access=SubjectAccessService(db, clock),
    )
