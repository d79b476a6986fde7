"""The published set of a wave: every figure computed from answers, after disclosure control, built once.

One GROUP BY over the wave's answers (joined to their response for the area, and to the answers of the gender and
age questions) gives the finest counts per item: leaf geography x gender x age. From them the published cells:
every geography node (the municipality, each area with its sub-areas, each sub-area) x {total, each gender, each
age}, plus the totals of "no area" and of an area's "no sub-area" part (rows of their parent). The unsafe question
is published the same way, and responses per node x {total, each channel}. `disclosure.protect` chooses the hidden
cells of each quantity (one cell, one pattern: hidden wherever it is shown), `disclosure.audit` is run again on the
result, and a leak stops the build: nothing is stored. The set is stored per wave and audience in
`concern_published_set`:

- "public": a closed (or archived) wave; rebuilt when its number of responses has changed by at least min_n
  (paper imports), so two sets never differ by fewer than min_n residents' answers. For the same reason a wave
  that closes fewer than min_n responses after its last staff snapshot publishes that snapshot.
- "staff": an open wave's snapshot, rebuilt at most once a day and only after min_n new responses, so reading
  before and after one submission (or one day's only submission) learns nothing. Open waves publish no
  distributions to the public.

Rankings, breakdowns, exports, the API and pledge figures read this set, never the answers, so a per-area
ranking costs the same as the municipality's.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app import clock
from app.concerns import disclosure, stats
from app.config import get_settings
from app.errors import AppError
from app.i18n import gettext as _
from app.models import Area
from app.models.concerns import PublishedSet
from app.models.surveys import Answer, OptionKind, Question, QuestionOption, QuestionType, Response, Survey

log = logging.getLogger("app.concerns.published")
# Core tables for the SQL-first counts, shared by the measuring layer (tagging and hotspot counts import them)
A = Answer.__table__  # type: ignore[attr-defined]
R = Response.__table__  # type: ignore[attr-defined]
UNSAFE_QUESTION = "unsafe_evening"
UNSAFE = "__unsafe__"  # the unsafe question is published like an item under this key
NOT_STATED = ""  # a background question left empty
ALL, NONE = "all", "none"  # geography nodes: the whole municipality and the responses without an area
PUBLIC, STAFF = "public", "staff"
FINAL_STATUSES = ("closed", "archived")


class PublicationFailed(AppError):
    """The audit found a derivable hidden figure: nothing was stored and nothing is published (a clear error
    page for staff, logged; never a partial set)."""

    status = 500


def node_key(area_id: int) -> str:
    """An area with its sub-areas."""
    return f"a:{area_id}"


def own_key(area_id: int) -> str:
    """The responses given for the area itself, not for one of its sub-areas ("no sub-area")."""
    return f"own:{area_id}"


# --- the geography and the cell structure (pure) ------------------------------------------------------------

@dataclass(frozen=True)
class Geography:
    """Leaves are the values a response's area_id can take ("" = no area); nodes are the published units."""

    leaves: tuple[str, ...]
    nodes: dict[str, frozenset[str]]  # node key -> its leaves
    children: dict[str, tuple[str, ...]]  # node key -> child node keys that partition it (non-leaf nodes only)


def geography(areas: Iterable[tuple[int, int | None]]) -> Geography:
    """From (area id, parent id) pairs: the fixed hierarchy municipality -> area -> sub-area, plus "no area"."""
    pairs = list(areas)
    kids: dict[int | None, list[int]] = defaultdict(list)
    for aid, parent in pairs:
        kids[parent if parent in {a for a, _ in pairs} else None].append(aid)

    def below(aid: int) -> set[str]:
        out = {str(aid)}
        for kid in kids.get(aid, []):
            out |= below(kid)
        return out

    leaves = tuple(["", *sorted(str(a) for a, _ in pairs)])
    nodes: dict[str, frozenset[str]] = {ALL: frozenset(leaves), NONE: frozenset({""})}
    children: dict[str, tuple[str, ...]] = {ALL: (*(node_key(a) for a in sorted(kids[None])), NONE)}
    for aid, _parent in pairs:
        nodes[node_key(aid)] = frozenset(below(aid))
        if kids.get(aid):
            nodes[own_key(aid)] = frozenset({str(aid)})
            children[node_key(aid)] = (*(node_key(k) for k in sorted(kids[aid])), own_key(aid))
    return Geography(leaves=leaves, nodes=nodes, children=children)


@dataclass(frozen=True)
class Structure:
    """Finest cells (leaf x gender x age) and the published cells as sets of finest indices."""

    finest: tuple[tuple[str, str, str], ...]
    cells: tuple[tuple[int, ...], ...]
    keys: tuple[tuple[str, ...], ...]  # per cell: every "node|dim" key under which it is published
    relations: tuple[disclosure.Relation, ...] = ()  # parent cell = sum of disjoint child cells (speeds protect)


def structure(geo: Geography, genders: Iterable[str], ages: Iterable[str], *, not_stated: bool = True
              ) -> Structure:
    """Every node x {total, each gender, each age}; a cell published under several keys is one cell.
    `not_stated` adds the "left empty" code to both breakdowns (background questions may be skipped)."""
    extra = [NOT_STATED] if not_stated else []
    gender_codes = list(dict.fromkeys([*genders, *extra]))
    age_codes = list(dict.fromkeys([*ages, *extra])) or [NOT_STATED]
    finest = tuple((leaf, g, a) for leaf in geo.leaves for g in gender_codes for a in age_codes)
    index: dict[frozenset[int], int] = {}
    cells: list[tuple[int, ...]] = []
    keys: list[list[str]] = []
    dims: list[tuple[str, int | None, str]] = [("total", None, ""), *[(f"gender:{g}", 1, g) for g in gender_codes],
                                               *[(f"age:{a}", 2, a) for a in age_codes]]
    for node, leaves in geo.nodes.items():
        # "No area" and an area's "no sub-area" part appear only as rows of their parent: totals, no breakdowns.
        rest = node == NONE or node.startswith("own:")
        for dim, position, code in dims:
            if rest and position is not None:
                continue
            members = frozenset(i for i, f in enumerate(finest)
                                if f[0] in leaves and (position is None or f[position] == code))
            if not members:
                continue
            if members not in index:
                index[members] = len(cells)
                cells.append(tuple(sorted(members)))
                keys.append([])
            keys[index[members]].append(f"{node}|{dim}")
    at = {name: c for c, names in enumerate(keys) for name in names}
    relations: list[disclosure.Relation] = []

    def relate(parent: str, children: list[str]) -> None:
        if parent not in at or any(c not in at for c in children):
            return  # only complete decompositions are relations
        kids = tuple(dict.fromkeys(at[c] for c in children))
        if kids and kids != (at[parent],):
            relations.append(disclosure.Relation(at[parent], kids))

    for node in geo.nodes:
        relate(f"{node}|total", [f"{node}|{d}" for d, position, _c in dims if position == 1])
        relate(f"{node}|total", [f"{node}|{d}" for d, position, _c in dims if position == 2])
        for dim, _position, _code in dims:
            if node in geo.children:
                relate(f"{node}|{dim}", [f"{child}|{dim}" for child in geo.children[node]])
    return Structure(finest=finest, cells=tuple(cells), keys=tuple(tuple(k) for k in keys),
                     relations=tuple(relations))


def protected_table(st: Structure, quantities: list[list[int]], extra: list[list[int]], min_n: int
                    ) -> dict[str, list[int] | None]:
    """Hide what `disclosure.protect` says, check with `disclosure.audit`, and publish per key.

    `quantities` are protected and audited (n, then k); `extra` (the score sum for the mean) follows the same
    hidden pattern. A hidden cell is None under every key it has.
    """
    hidden = disclosure.protect(quantities, st.cells, min_n, relations=st.relations)
    leaks = disclosure.audit(quantities, st.cells, hidden, min_n)
    if leaks:
        log.error("published set refused: %s hidden figure(s) derivable, e.g. %s", len(leaks),
                  st.keys[leaks[0].cell][0])
        raise PublicationFailed(_("Mätomgångens siffror publiceras inte: kontrollen fann en dold siffra som går att "
                                  "räkna fram. Inget har publicerats."))
    sums = [[sum(q[i] for i in cell) for cell in st.cells] for q in quantities]
    extra_sums = [[sum(q[i] for i in cell) for cell in st.cells] for q in extra]
    out: dict[str, list[int] | None] = {}
    for c, names in enumerate(st.keys):
        value = None if c in hidden else [s[c] for s in sums] + [s[c] for s in extra_sums]
        for name in names:
            out[name] = value
    return out


def item_vectors(st: Structure, counts: Mapping[tuple[str, str, str], Mapping[str, int]], *, unsafe: bool = False
                 ) -> tuple[list[int], list[int], list[int]]:
    """n (took a stand), k ("big problem" or "unsafe") and the score sum per finest cell, as report.py counts."""
    n, k, score = [], [], []
    for f in st.finest:
        codes = counts.get(f, {})
        share = stats.unsafe_share(codes) if unsafe else stats.big_problem_share(codes)
        n.append(share.n)
        k.append(share.k)
        score.append(0 if unsafe else sum(stats.SCORES[c] * v for c, v in codes.items() if c in stats.SCORES))
    return n, k, score


# --- building from the database -------------------------------------------------------------------------------

@dataclass
class _Questions:
    battery: list[int]
    items: list[str]
    unsafe: int | None
    roles: dict[str, int]
    role_options: dict[str, list[str]]


def _questions(session: Session, survey_id: int) -> _Questions:
    rows = session.execute(select(col(Question.id), col(Question.code), col(Question.type), col(Question.role))
                           .where(col(Question.survey_id) == survey_id)
                           .order_by(col(Question.page), col(Question.position))).all()
    found = _Questions(battery=[], items=[], unsafe=None, roles={}, role_options={})
    for qid, code, qtype, role in rows:
        if qtype == QuestionType.matrix:
            found.battery.append(qid)
        if code == UNSAFE_QUESTION:
            found.unsafe = qid
        if role in ("age", "gender") and role not in found.roles:
            found.roles[role] = qid
    ids = [r[0] for r in rows]
    options = session.execute(select(col(QuestionOption.question_id), col(QuestionOption.kind),
                                     col(QuestionOption.code))
                              .where(col(QuestionOption.question_id).in_(ids or [-1]))
                              .order_by(col(QuestionOption.question_id), col(QuestionOption.position))).all()
    for qid, kind, code in options:
        if qid in found.battery and kind == OptionKind.item and code not in found.items:
            found.items.append(code)
        for role, role_qid in found.roles.items():
            if qid == role_qid and kind == OptionKind.option:
                found.role_options.setdefault(role, []).append(code)
    return found


Finest = dict[str, dict[tuple[str, str, str], dict[str, int]]]  # item -> (leaf, gender, age) -> code -> n


@dataclass(frozen=True)
class WaveCounts:
    """A wave's finest counts and the cell structures they are published in."""

    items: list[str]  # battery items in questionnaire order (+ UNSAFE when the wave asks it)
    geo: Geography
    structure: Structure  # items: leaf x gender x age
    per_item: Finest
    responses_structure: Structure  # responses: leaf x channel
    channels: list[str]
    responses: list[int]  # per finest cell of responses_structure


def finest(session: Session, survey: Survey) -> WaveCounts:
    """The finest counts of a wave: one GROUP BY over its answers (leaf area x gender x age x question x item x
    answer code) and one over its responses (leaf area x channel)."""
    sid = survey.id or 0
    q = _questions(session, sid)
    area_rows = session.execute(select(col(Area.id), col(Area.parent_id))
                                .where(col(Area.municipality_id) == survey.municipality_id)).all()
    geo = geography((int(a), None if p is None else int(p)) for a, p in area_rows)
    st = structure(geo, q.role_options.get("gender", []), q.role_options.get("age", []))
    known_leaves = set(geo.leaves)
    genders = {f[1] for f in st.finest}
    ages = {f[2] for f in st.finest}

    G = A.alias("g")
    AG = A.alias("ag")
    gender = func.coalesce(G.c.value_code, NOT_STATED).label("gender")
    age = func.coalesce(AG.c.value_code, NOT_STATED).label("age")
    source = A.join(R, R.c.id == A.c.response_id) \
        .outerjoin(G, and_(G.c.response_id == A.c.response_id, G.c.question_id == q.roles.get("gender", -1))) \
        .outerjoin(AG, and_(AG.c.response_id == A.c.response_id, AG.c.question_id == q.roles.get("age", -1)))
    questions = [*q.battery, *([q.unsafe] if q.unsafe is not None else [])]
    group = [R.c.area_id, gender, age, A.c.question_id, A.c.item_code, A.c.value_code]
    stmt = select(*group, func.count()).select_from(source) \
        .where(A.c.survey_id == sid, A.c.question_id.in_(questions or [-1])).group_by(*group)
    per_item: Finest = defaultdict(lambda: defaultdict(dict))
    for area_id, g, a, qid, item, value, n in session.execute(stmt).all():
        leaf = "" if area_id is None else str(area_id)
        key = (leaf if leaf in known_leaves else "", g if g in genders else NOT_STATED,
               a if a in ages else NOT_STATED)
        name = UNSAFE if qid == q.unsafe and qid not in q.battery else str(item)
        target = per_item[name][key]
        target[value or ""] = target.get(value or "", 0) + int(n)

    channels: dict[tuple[str, str], int] = {}
    for area_id, channel, n in session.execute(select(R.c.area_id, R.c.channel, func.count())
                                               .where(R.c.survey_id == sid)
                                               .group_by(R.c.area_id, R.c.channel)).all():
        leaf = "" if area_id is None else str(area_id)
        at = (leaf if leaf in known_leaves else "", str(channel))
        channels[at] = channels.get(at, 0) + int(n)
    channel_codes = sorted({c for _leaf, c in channels})
    # structure() names its first breakdown "gender"; for responses it is the channel (and no age).
    rst = structure(geo, channel_codes, [], not_stated=False)
    return WaveCounts(items=[*q.items, *([UNSAFE] if q.unsafe is not None else [])], geo=geo, structure=st,
                      per_item=per_item, responses_structure=rst, channels=channel_codes,
                      responses=[channels.get((leaf, c), 0) for leaf, c, _a in rst.finest])


def build(session: Session, survey: Survey, min_n: int | None = None) -> dict[str, Any]:
    """The payload of a wave's published set (no writes). Raises PublicationFailed on a leak."""
    limit = min_n if min_n is not None else get_settings().suppression_min_n
    wc = finest(session, survey)
    st = wc.structure
    tables: dict[str, dict[str, list[int] | None]] = {}
    for name in wc.items:
        n, k, score = item_vectors(st, wc.per_item.get(name, {}), unsafe=name == UNSAFE)
        tables[name] = protected_table(st, [n, k], [score], limit)
    responses = protected_table(wc.responses_structure, [wc.responses], [], limit) if wc.channels else {}
    return {
        "min_n": limit, "items": [i for i in wc.items if i != UNSAFE], "unsafe": UNSAFE in wc.items,
        "genders": list(dict.fromkeys(f[1] for f in st.finest)),
        "ages": list(dict.fromkeys(f[2] for f in st.finest)),
        "channels": wc.channels, "children": {k: list(v) for k, v in wc.geo.children.items()},
        "tables": tables,
        "responses": {k.replace("|gender:", "|channel:"): v for k, v in responses.items()},
    }


def response_count(session: Session, survey_id: int) -> int:
    """Live number of responses of a wave (a count of rows, never a distribution)."""
    return int(session.execute(select(func.count()).select_from(R).where(R.c.survey_id == survey_id)).scalar_one())


def _stored(session: Session, survey: Survey, audience: str) -> PublishedSet | None:
    return session.execute(select(PublishedSet).where(col(PublishedSet.survey_id) == survey.id,
                                                      col(PublishedSet.audience) == audience)).scalars().first()


def store(session: Session, survey: Survey, audience: str) -> PublishedSet:
    """Build and store (replacing the previous set); on a leak nothing is written and the error is raised."""
    count = response_count(session, survey.id or 0)  # before the build: a later answer makes the set stale
    last = session.execute(select(func.max(R.c.id)).where(R.c.survey_id == survey.id)).scalar()
    payload = build(session, survey)
    # Tables still counted from answers (themes, places) count only the responses up to here, as this set does.
    payload["last_response_id"] = int(last or 0)
    row = _stored(session, survey, audience)
    row = row or PublishedSet(survey_id=survey.id or 0, audience=audience, responses=count)
    row.payload, row.responses, row.built_at = payload, count, clock.now()
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Published:
    """A wave's published set as read by pages: which audience, when built, on how many responses."""

    survey_id: int
    audience: str
    built_at: datetime
    responses: int
    payload: dict[str, Any]

    @property
    def min_n(self) -> int:
        return int(self.payload.get("min_n", 0))

    def cell(self, item: str, node: str, dim: str = "total") -> list[int] | None:
        """[n, k, score sum] of a published cell, or None when hidden or not published."""
        value = self.payload.get("tables", {}).get(item, {}).get(f"{node}|{dim}")
        return list(value) if value is not None else None

    def published(self, item: str, node: str, dim: str = "total") -> bool:
        return f"{node}|{dim}" in self.payload.get("tables", {}).get(item, {})

    def responses_cell(self, node: str, channel: str | None = None) -> int | None:
        value = self.payload.get("responses", {}).get(f"{node}|{'total' if channel is None else 'channel:' + channel}")
        return None if value is None else int(value[0])

    @property
    def last_response_id(self) -> int | None:
        """The newest response the set was built on (None for a set stored before this was recorded)."""
        value = self.payload.get("last_response_id")
        return None if value is None else int(value)

    def children(self, node: str) -> list[str]:
        return list(self.payload.get("children", {}).get(node, []))


def _as_published(row: PublishedSet) -> Published:
    return Published(survey_id=row.survey_id, audience=row.audience, built_at=row.built_at,
                     responses=row.responses, payload=dict(row.payload))


def _refreshed(session: Session, survey: Survey, audience: str) -> PublishedSet:
    """Build, store and commit; when another request stored the same set first, read theirs."""
    try:
        row = store(session, survey, audience)
        session.commit()
        return row
    except IntegrityError:
        session.rollback()
        found = _stored(session, survey, audience)
        if found is None:
            raise
        return found


def _grown_by_a_group(session: Session, survey: Survey, row: PublishedSet) -> bool:
    """Whether the responses changed by at least min_n since the stored set: a new set on fewer would differ
    from the old one by those few residents' answers (one paper response, one day's only submission)."""
    return abs(response_count(session, survey.id or 0) - row.responses) >= get_settings().suppression_min_n


def _published_as_final(session: Session, survey: Survey, snapshot: PublishedSet) -> PublishedSet:
    """The open wave's last snapshot stored as the closed wave's public set (same figures, same responses)."""
    row = PublishedSet(survey_id=snapshot.survey_id, audience=PUBLIC, responses=snapshot.responses,
                       payload=dict(snapshot.payload), built_at=snapshot.built_at)
    try:
        session.add(row)
        session.commit()
        return row
    except IntegrityError:  # another request stored the public set first: read theirs
        session.rollback()
        found = _stored(session, survey, PUBLIC)
        if found is None:
            raise
        return found


def for_staff(session: Session, survey: Survey) -> Published | None:
    """What staff may see of a wave: the public set of a closed wave, else the open wave's daily snapshot.
    None for a draft. Builds a missing or outdated set on the way (and commits it)."""
    status = str(survey.status)
    if status in FINAL_STATUSES:
        return for_public(session, survey)
    if status != "open":
        return None
    row = _stored(session, survey, STAFF)
    if row is None or (row.built_at.date() < clock.today() and _grown_by_a_group(session, survey, row)):
        row = _refreshed(session, survey, STAFF)
    return _as_published(row)


def for_public(session: Session, survey: Survey) -> Published | None:
    """The published set of a closed wave (built when missing, rebuilt once its responses changed by min_n);
    None for an open or draft wave: no distributions are published before a wave closes."""
    if str(survey.status) not in FINAL_STATUSES:
        return None
    row = _stored(session, survey, PUBLIC)
    if row is None:
        snapshot = _stored(session, survey, STAFF)
        if snapshot is not None and not _grown_by_a_group(session, survey, snapshot):
            # Staff saw this snapshot: a final set on a few more responses would differ by those few residents.
            row = _published_as_final(session, survey, snapshot)
    if row is None or _grown_by_a_group(session, survey, row):
        row = _refreshed(session, survey, PUBLIC)
    return _as_published(row)
