from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gongyue.accounts.models import Role, User
from gongyue.audit.heads import ensure_signing_key
from gongyue.convention.actions import (
    do_adopt_version,
    do_change_rules,
    do_import_version,
)
from gongyue.convention.demo import SAMPLE, SAMPLE_V2
from gongyue.convention.models import Convention
from gongyue.convention.rules import RULES
from gongyue.core.refusals import FileRefused

DEMO_PASSWORD = "gongyue-demo"
# Where the demo convention's own text states a rule (see gongyue/convention/demo/).
DEMO_RULE_ARTICLES = {"publication_days": 12, "review_requests": 11}

# username, display name, role (None: no role), unit key
PEOPLE = [
    ("admin", "系统管理员", Role.SITE_ADMIN, None),
    ("mishuchu", "执行机构负责人", Role.SECRETARIAT_HEAD, None),
    ("gongzuorenyuan", "执行机构工作人员", Role.SECRETARIAT_STAFF, None),
    ("zhuguan", "主管部门联络员", Role.AUTHORITY, None),
]


class Command(BaseCommand):
    help = "Load demo data: a convention with two versions, units, members, a small lexicon and a user for every role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--convention", help="import this plain-text convention instead of the demo text"
        )

    def handle(self, *args, convention=None, **options):
        # Before any publication, so the demo's chain heads are signed (docs/audit.md).
        key, created = ensure_signing_key()
        if created:
            self.stdout.write(f"Created the audit signing key {key}.")
        if User.objects.filter(username="mishuchu").exists():
            self.stdout.write("Demo data already loaded.")
            if convention:
                self.stderr.write(
                    f"--convention {convention} was not imported: the database already has the demo. "
                    "Start again with an empty database (delete var/gongyue.sqlite3), or import it as a "
                    "new version with `gongyue import_convention`."
                )
            self.print_accounts()
            return
        with transaction.atomic():
            people = self.create_people()
            self.create_convention(convention, actor=people["mishuchu"])
            self.create_membership(people)
            self.create_lexicon(actor=people["mishuchu"])
            self.create_amendments(people)
            self.create_bulletins(people)
            self.create_registry(people)
            self.create_redress(people)
            self.create_cases(people)
        self.print_accounts()

    def create_people(self) -> dict:
        from gongyue.accounts.actions import do_grant_role

        people = {}
        for username, name, role, _unit in PEOPLE:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                display_name=name,
                email=f"{username}@example.cn",
                is_staff=role == Role.SITE_ADMIN,
                is_superuser=role == Role.SITE_ADMIN,
            )
            do_grant_role(user, role, actor="system")
            people[username] = user
        return people

    def create_convention(self, path, *, actor):
        files = [Path(path)] if path else [SAMPLE, SAMPLE_V2]
        convention = None
        for number, file in enumerate(files, start=1):
            try:
                version = do_import_version(
                    convention,
                    file.read_bytes(),
                    actor=actor,
                    source_name=file.name,
                    note="" if number == 1 else "示例修订",
                )
            except FileRefused as invalid:
                raise CommandError("\n".join(invalid.blockers)) from invalid
            except OSError as exc:
                raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
            do_adopt_version(version, actor=actor)
            convention = version.convention
        if not path:
            # The demo text states two of the rules, in its own numbering; the rest it leaves out.
            do_change_rules(
                convention,
                actor=actor,
                articles={rule.key: DEMO_RULE_ARTICLES.get(rule.key) for rule in RULES},
            )
        return Convention.objects.get(pk=convention.pk)

    def create_membership(self, people):
        """Units, founders and members come from the organisations app's own demo."""
        from gongyue.organisations.demo import load_membership_demo

        people.update(load_membership_demo(password=DEMO_PASSWORD, secretariat=people["mishuchu"]))
        self.people = people

    def create_lexicon(self, *, actor):
        from gongyue.screening.actions import do_import_lexicon
        from gongyue.screening.demo import LEXICON

        do_import_lexicon(LEXICON.read_bytes(), actor=actor, mode="replace", note="示例词库")

    def create_amendments(self, people):
        from gongyue.amendments.demo import load_amendments_demo

        load_amendments_demo(secretariat=people["gongzuorenyuan"], people=people)

    def create_bulletins(self, people):
        from gongyue.bulletins.demo import load_bulletins_demo, load_campaign_demo

        load_bulletins_demo(self.people)
        load_campaign_demo(self.people)

    def create_registry(self, people):
        from gongyue.registry.demo import load_registry_demo

        load_registry_demo(secretariat=people["gongzuorenyuan"])

    def create_redress(self, people):
        from gongyue.cases.redress_demo import load_redress_demo

        load_redress_demo(self.people)

    def create_cases(self, people):
        from gongyue.cases.demo import load_cases_demo

        load_cases_demo(self.people)

    def print_accounts(self):
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for user in User.objects.order_by("pk"):
            roles = ", ".join(str(g.get_role_display()) for g in user.unrevoked_grants) or "—"
            unit = f" · {user.unit}" if user.unit_id else ""
            self.stdout.write(f"  {user.username:<18} {roles}{unit}")
        self.stdout.write("")
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write(f"Open {site}/ — log in at {site}/accounts/login/")
