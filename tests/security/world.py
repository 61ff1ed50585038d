"""The people and records the hostile-input walk signs in as and points routes at.

Principals are the kinds of person the portal serves, each in the states that show different
forms; objects are what route converters name (an intake, a match, a profile…), made fresh
for each route so an accepted hostile submission never spoils the next one. Rows are made
directly (like tests/participant/conftest.py's ``program``), not through the forms under test.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pyotp
import sqlalchemy as sa

from portal.db import db
from portal.models import (
    CheckIn,
    Intake,
    IntakeState,
    Invitation,
    Match,
    MatchState,
    Notification,
    OnboardingState,
    PlanProposal,
    PlanRun,
    ReferralResource,
    Role,
    User,
    VolunteerProfile,
    utcnow,
)
from portal.models.notifications import DeliveryStatus
from portal.security.crypto import blind_index
from tests.conftest import ALL_WEEK, STAFF_SECRETS, Auth, csrf_token

# What each route converter names, and the states of it that show different forms.
KIND_OF_ARG = {"intake_id": "intake", "match_id": "match", "profile_id": "profile",
               "invitation_id": "invitation", "token": "link", "check_in_id": "check_in",
               "note_id": "notification", "run_id": "plan", "proposal_id": "plan",
               "resource_id": "resource"}
VARIANTS = {
    "intake": ("waiting", "paused", "offered", "matched"),
    "match": ("offered", "active"),
    "profile": ("applied", "screened", "trained", "active", "paused"),
    "invitation": ("pending",),
    "link": ("pending",),
    "check_in": ("safety",),
    "notification": ("failed",),
    "plan": ("done",),
    "resource": ("active", "retired"),
}
# Who the walk signs in as: (kind, state). The order is the order of preference when several
# principals can use the same form (the first gets the whole battery, the others a short one).
PRINCIPALS = (
    ("anonymous", "visitor"),
    ("second-step", "enrolled"),
    ("second-step", "first-setup"),
    ("participant", "waiting"),
    ("participant", "matched"),
    ("participant", "paused"),
    ("participant", "no-request"),
    ("volunteer", "active"),
    ("volunteer", "away"),
    ("coordinator", "signed-in"),
    ("admin", "signed-in"),
)
ROLE_OF = {"participant": "participant", "volunteer": "volunteer", "coordinator": "coordinator",
           "admin": "admin"}


@dataclass
class Principal:
    """A person on a test client of their own, in one state."""

    kind: str
    state: str
    client: object
    user_id: uuid.UUID | None = None
    csrf: str = ""
    drifted: bool = False   # an accepted POST may have changed who they are

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.state}"

    @property
    def role(self) -> str | None:
        return ROLE_OF.get(self.kind)

    def may_open(self, access) -> bool:
        """What ``@public`` / ``@requires_role`` would decide for this principal."""
        if access == "public":
            return True
        if self.role is None:
            return False
        roles = set(access)
        return self.role in roles or (self.role == "admin" and "coordinator" in roles)


class World:
    """Makes principals and objects in the module's database."""

    def __init__(self, app, password_hash: str):
        self.app = app
        self.password_hash = password_hash
        self.counter = itertools.count(1)
        self.registry: dict[str, tuple[str, str]] = {}   # object id → (kind, variant)
        self.logins = 0

    # ------------------------------------------------------------ people

    def _add(self, *rows):
        with self.app.app_context():
            for row in rows:
                db.session.add(row)
            db.session.commit()

    def user(self, role: str, enrolled: bool = True) -> User:
        email = f"hostile-{role}-{next(self.counter)}@example.org"
        user = User(role=Role(role), email=email, email_index=blind_index(email, "email"),
                    password_hash=self.password_hash)
        if user.role.is_staff and enrolled:
            user.totp_secret = STAFF_SECRETS[email] = pyotp.random_base32()
            user.mfa_enrolled_at = utcnow()
        self._add(user)
        return user

    def principal(self, kind: str, state: str) -> Principal:
        """A new person of ``kind`` in ``state``, signed in (or half-way) on a new client."""
        client = self.app.test_client()
        principal = Principal(kind, state, client)
        if kind == "second-step":
            user = self.user("coordinator", enrolled=state == "enrolled")
            principal.user_id = user.id
            response = Auth(client).password_step(user.email)
            assert response.status_code == 303, response.status_code
            self.logins += 1
        elif kind != "anonymous":
            user = self.user(ROLE_OF[kind])
            principal.user_id = user.id
            if kind == "volunteer":
                profile = self.volunteer_profile(user.id, name="Robin Hostile")
                if state == "away":
                    with self.app.app_context():
                        db.session.execute(sa.update(VolunteerProfile).where(
                            VolunteerProfile.id == profile.id).values(away_from=date.today()))
                        db.session.commit()
            if kind == "participant":
                self.participant_state(principal)
            response = Auth(client).login(user.email)
            assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
            self.logins += 1
        principal.csrf = csrf_token(client)
        return principal

    def participant_state(self, principal: Principal) -> None:
        """Give the participant a request in their state (ending any earlier open one)."""
        with self.app.app_context():
            db.session.execute(sa.update(Intake).where(
                Intake.participant_id == principal.user_id,
                Intake.state.notin_([IntakeState.CLOSED, IntakeState.WITHDRAWN])
            ).values(state=IntakeState.WITHDRAWN))
            db.session.commit()
        if principal.state == "no-request":
            return
        state = {"waiting": IntakeState.WAITING, "matched": IntakeState.MATCHED,
                 "paused": IntakeState.PAUSED}[principal.state]
        intake = self.intake_row(state, participant_id=principal.user_id)
        if state is IntakeState.MATCHED:
            self.match_row(intake.id, self.volunteer_profile().id, MatchState.ACTIVE)

    def volunteer_profile(self, user_id=None, state=OnboardingState.ACTIVE,
                          name="Avery Stone") -> VolunteerProfile:
        if user_id is None:
            user_id = self.user("volunteer").id
        profile = VolunteerProfile(
            user_id=user_id, state=state, display_name=name, experience=["grief_loss"],
            boundaries=[], practice_area="family", career_band="11_20", region="calgary",
            languages=["en"], capacity=5, availability_mask=ALL_WEEK,
            screened_on=date(2026, 1, 15) if state != OnboardingState.APPLIED else None,
            trained_on=date(2026, 2, 20) if state in (
                OnboardingState.TRAINED, OnboardingState.ACTIVE, OnboardingState.PAUSED) else None,
            training_course="Peer support foundations" if state != OnboardingState.APPLIED
            and state != OnboardingState.SCREENED else None)
        self._add(profile)
        return profile

    def intake_row(self, state=IntakeState.WAITING, participant_id=None) -> Intake:
        if participant_id is None:
            participant_id = self.user("participant").id
        intake = Intake(participant_id=participant_id, state=state, alias="Sam",
                        member_type="lawyer", career_band="6_10", practice_area="criminal",
                        region="calgary", languages=["en"], concerns=["grief_loss"],
                        primary_concern="grief_loss", availability_mask=ALL_WEEK,
                        note="A private note", phone="403-555-0123", contact_times="Evenings",
                        consent_version="2026-11", consent_at=utcnow())
        self._add(intake)
        return intake

    def match_row(self, intake_id, profile_id, state=MatchState.ACTIVE) -> Match:
        now = utcnow()
        match = Match(intake_id=intake_id, volunteer_id=profile_id, state=state, offered_at=now,
                      expires_at=now + timedelta(hours=72),
                      activated_at=now - timedelta(days=3) if state is MatchState.ACTIVE else None)
        self._add(match)
        return match

    # ------------------------------------------------------------ objects

    def make(self, kind: str, variant: str, principal: Principal) -> dict[str, str]:
        """A fresh object of ``kind`` in ``variant`` visible to ``principal``: converter values."""
        values = getattr(self, f"_make_{kind}")(variant, principal)
        for value in values.values():
            self.registry[str(value)] = (kind, variant)
        return {arg: str(value) for arg, value in values.items()}

    def other(self, kind: str, principal: Principal) -> dict[str, str]:
        """An object of ``kind`` the principal must not reach (or an id that names nothing)."""
        if kind == "match":
            other = self.volunteer_profile()
            return {"match_id": str(self.match_row(self.intake_row(IntakeState.MATCHED).id,
                                                   other.id).id)}
        unknown = str(uuid.uuid4())
        return {arg: unknown for arg, k in KIND_OF_ARG.items() if k == kind}

    def _make_intake(self, variant, _principal):
        from portal.services import matching

        state = {"waiting": IntakeState.WAITING, "paused": IntakeState.PAUSED,
                 "offered": IntakeState.OFFERED, "matched": IntakeState.MATCHED}[variant]
        intake = self.intake_row(state)
        profile = self.volunteer_profile()
        if variant == "waiting":
            with self.app.app_context():
                matching.suggest_for_intake(db.session, intake.id)
                db.session.commit()
        elif variant in ("offered", "matched"):
            self.match_row(intake.id, profile.id, MatchState.OFFERED if variant == "offered"
                           else MatchState.ACTIVE)
        return {"intake_id": intake.id}

    def _make_match(self, variant, principal):
        with self.app.app_context():
            profile_id = db.session.execute(sa.select(VolunteerProfile.id).where(
                VolunteerProfile.user_id == principal.user_id)).scalar()
        if profile_id is None:
            profile_id = self.volunteer_profile().id
        state = MatchState.OFFERED if variant == "offered" else MatchState.ACTIVE
        if state == MatchState.OFFERED:
            self._leave_room(profile_id)
        intake = self.intake_row(IntakeState.OFFERED if variant == "offered"
                                 else IntakeState.MATCHED)
        return {"match_id": self.match_row(intake.id, profile_id, state).id}

    def _leave_room(self, profile_id) -> None:
        """Room for one more yes: a volunteer at capacity (5) rightly refuses every acceptance,
        and the walk's tests, in whatever order they run, make many relationships for one
        principal. Only when full, the oldest relationships end, as if they had run their course."""
        with self.app.app_context():
            active = db.session.execute(sa.select(Match.id).where(
                Match.volunteer_id == profile_id, Match.state == MatchState.ACTIVE)
                .order_by(Match.offered_at.desc())).scalars().all()
            if len(active) >= 4:
                db.session.execute(sa.update(Match).where(Match.id.in_(active[3:])).values(
                    state=MatchState.CLOSED, closed_at=utcnow(), close_reason="completed"))
                db.session.commit()

    def _make_profile(self, variant, _principal):
        return {"profile_id": self.volunteer_profile(state=OnboardingState(variant)).id}

    def _invitation(self) -> Invitation:
        email = f"hostile-invited-{next(self.counter)}@example.org"
        invitation = Invitation(email=email, email_index=blind_index(email, "email"),
                                nonce=uuid.uuid4().hex, expires_at=utcnow() + timedelta(days=14))
        self._add(invitation)
        return invitation

    def _make_invitation(self, _variant, _principal):
        return {"invitation_id": self._invitation().id}

    def _make_link(self, _variant, _principal):
        from portal.services import invitations

        invitation = self._invitation()
        with self.app.test_request_context():
            return {"token": invitations.token_for(invitation)}

    def _make_check_in(self, _variant, _principal):
        match = self.match_row(self.intake_row(IntakeState.MATCHED).id,
                               self.volunteer_profile().id)
        check_in = CheckIn(match_id=match.id, occurred_on=utcnow(), mode="phone",
                           flag="safety_concern")
        self._add(check_in)
        return {"check_in_id": check_in.id}

    def _make_notification(self, _variant, _principal):
        note = Notification(recipient_id=self.user("participant").id, kind="offer",
                            status=DeliveryStatus.FAILED, attempts=3, last_error="SMTPError")
        self._add(note)
        return {"note_id": note.id}

    def _make_plan(self, _variant, principal):
        intake = self.intake_row()
        profile = self.volunteer_profile()
        run = PlanRun(status="done", progress=1.0, requested_by_id=principal.user_id,
                      total_score=0.5, finished_at=utcnow())
        self._add(run)
        proposal = PlanProposal(plan_run_id=run.id, intake_id=intake.id,
                                volunteer_id=profile.id, score=0.5, reasons=[])
        self._add(proposal)
        return {"run_id": run.id, "proposal_id": proposal.id}

    def _make_resource(self, variant, _principal):
        resource = ReferralResource(name=f"Counselling line {next(self.counter)}",
                                    category="counselling", phone="1-800-555-0199",
                                    active=variant == "active")
        self._add(resource)
        return {"resource_id": resource.id}


def intact(principal: Principal) -> bool:
    """Still who they were: signed in (not erased or signed out), or still a stranger, or still
    half-way through staff sign-in (an accepted form may have signed them in or out)."""
    if principal.kind == "second-step":
        step = "/sign-in/verify" if principal.state == "enrolled" else "/sign-in/setup"
        return principal.client.get(step).status_code == 200
    response = principal.client.get("/home")
    to_sign_in = response.status_code in (302, 303) and \
        "/sign-in" in response.headers.get("Location", "")
    return to_sign_in if principal.role is None else not to_sign_in


