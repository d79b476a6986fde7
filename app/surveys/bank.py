"""The standard question bank: the standard safety survey (trygghetsenkät) as pure data, in sv, en and ar.

Constructs follow DOMAIN.md §4 (feeling unsafe outdoors late in the evening, worry, consequences, trust in the
police, the local problem battery, places and times, background). Codes are stable: results are compared
across waves and municipalities by code, so never rename one; add a new code instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def t(sv: str, en: str, ar: str) -> dict[str, str]:
    return {"sv": sv, "en": en, "ar": ar}


@dataclass(frozen=True)
class BankOption:
    code: str
    label: dict[str, str]


@dataclass(frozen=True)
class BankQuestion:
    code: str
    page: int
    type: str
    text: dict[str, str]
    options: tuple[BankOption, ...] = ()
    items: tuple[BankOption, ...] = ()
    required: bool = False
    role: str | None = None
    help: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    condition: tuple[str, str] | None = None  # (question code, option code)


def opts(*pairs: tuple[str, dict[str, str]]) -> tuple[BankOption, ...]:
    return tuple(BankOption(code, label) for code, label in pairs)


TITLE = t("Trygghetsenkät", "Safety survey", "استبيان الشعور بالأمان")
INTRO = t(
    "Kommunen och polisen vill veta hur trygg du känner dig där du bor och vad du tycker är viktigast att göra "
    "något åt. Enkäten tar ungefär 5 minuter. Dina svar är anonyma: vi sparar inte vem du är, din IP-adress "
    "eller exakt tid.",
    "The municipality and the police want to know how safe you feel where you live and what you think matters "
    "most to fix. The survey takes about 5 minutes. Your answers are anonymous: we do not store who you are, "
    "your IP address or the exact time.",
    "تريد البلدية والشرطة معرفة مدى شعورك بالأمان في المكان الذي تسكن فيه وما تراه الأهم لمعالجته. "
    "يستغرق الاستبيان حوالي 5 دقائق. إجاباتك مجهولة الهوية: لا نحفظ هويتك ولا عنوان IP الخاص بك ولا الوقت الدقيق.",
)

WORRY = opts(
    ("often", t("Ofta", "Often", "كثيرًا")),
    ("sometimes", t("Ibland", "Sometimes", "أحيانًا")),
    ("seldom", t("Sällan", "Seldom", "نادرًا")),
    ("never", t("Aldrig", "Never", "أبدًا")),
)

PROBLEM_SCALE = opts(
    ("very_big", t("Mycket stort problem", "A very big problem", "مشكلة كبيرة جدًا")),
    ("fairly_big", t("Ganska stort problem", "A fairly big problem", "مشكلة كبيرة نوعًا ما")),
    ("fairly_small", t("Ganska litet problem", "A fairly small problem", "مشكلة صغيرة نوعًا ما")),
    ("no_problem", t("Inget problem alls", "No problem at all", "ليست مشكلة على الإطلاق")),
    ("dont_know", t("Vet ej", "Don't know", "لا أعرف")),
)
# Codes of the battery answers that count as "a very or fairly big problem" (concerns aggregate these).
BIG_PROBLEM_CODES = ("very_big", "fairly_big")
DONT_KNOW_CODE = "dont_know"

PROBLEMS = opts(
    ("littering", t("Nedskräpning", "Littering", "رمي النفايات")),
    ("dark_places", t("Mörka områden, dålig belysning", "Dark places, poor lighting", "أماكن مظلمة وإضاءة ضعيفة")),
    ("vandalism", t("Skadegörelse", "Vandalism", "التخريب")),
    ("graffiti", t("Klotter", "Graffiti", "الكتابة على الجدران")),
    ("youth_disorder", t("Ungdomar som stör ordningen", "Young people causing disorder",
                         "شباب يخلّون بالنظام")),
    ("drunk_people", t("Berusade personer utomhus", "Drunk people outdoors", "أشخاص مخمورون في الأماكن العامة")),
    ("drug_use", t("Narkotikaanvändning på allmän plats", "Drug use in public places",
                   "تعاطي المخدرات في الأماكن العامة")),
    ("drug_dealing", t("Öppen narkotikahandel", "Open drug dealing", "الاتجار العلني بالمخدرات")),
    ("neighbours", t("Störande grannar", "Disruptive neighbours", "جيران مزعجون")),
    ("fighting", t("Personer som slåss utomhus", "People fighting outdoors", "أشخاص يتشاجرون في الأماكن العامة")),
    ("harassment", t("Kvinnor som antastas", "Women being harassed", "التحرش بالنساء")),
    ("speeding", t("Bilar som kör för fort", "Cars driving too fast", "سيارات تسير بسرعة زائدة")),
    ("mopeds", t("Vårdslös körning med moped eller elsparkcykel", "Reckless moped or e-scooter riding",
                 "القيادة المتهورة للدراجات النارية الصغيرة أو السكوترات الكهربائية")),
)

QUESTIONS: tuple[BankQuestion, ...] = (
    BankQuestion(
        "unsafe_evening", 1, "single", required=True,
        text=t("Hur trygg eller otrygg skulle du känna dig om du gick ut ensam sent en kväll i ditt område?",
               "How safe or unsafe would you feel walking alone late in the evening in your area?",
               "ما مدى شعورك بالأمان أو عدمه إذا خرجت وحدك في وقت متأخر من المساء في منطقتك؟"),
        options=opts(
            ("very_safe", t("Mycket trygg", "Very safe", "آمن جدًا")),
            ("fairly_safe", t("Ganska trygg", "Fairly safe", "آمن نوعًا ما")),
            ("fairly_unsafe", t("Ganska otrygg", "Fairly unsafe", "غير آمن نوعًا ما")),
            ("very_unsafe", t("Mycket otrygg", "Very unsafe", "غير آمن على الإطلاق")),
            ("not_out_fear", t("Går inte ut på grund av otrygghet", "I do not go out because I feel unsafe",
                               "لا أخرج بسبب عدم الشعور بالأمان")),
            ("not_out_other", t("Går inte ut av andra skäl", "I do not go out for other reasons",
                                "لا أخرج لأسباب أخرى")),
        ),
    ),
    BankQuestion(
        "worry_assault", 1, "single",
        text=t("Hur ofta oroar du dig för att bli utsatt för misshandel?",
               "How often do you worry about being assaulted?",
               "كم مرة تقلق من التعرض للاعتداء الجسدي؟"),
        options=WORRY,
    ),
    BankQuestion(
        "worry_burglary", 1, "single",
        text=t("Hur ofta oroar du dig för inbrott i din bostad?",
               "How often do you worry about a burglary in your home?",
               "كم مرة تقلق من السطو على مسكنك؟"),
        options=WORRY,
    ),
    BankQuestion(
        "consequences", 2, "multiple",
        text=t("Har oro för brott fått dig att göra något av detta de senaste 12 månaderna?",
               "Has worry about crime made you do any of this in the last 12 months?",
               "هل دفعك القلق من الجريمة إلى القيام بأي مما يلي خلال الأشهر الاثني عشر الماضية؟"),
        help=t("Välj alla som stämmer.", "Choose all that apply.", "اختر كل ما ينطبق."),
        options=opts(
            ("other_route", t("Valt en annan väg eller ett annat färdsätt", "Chosen another route or way to travel",
                              "اخترت طريقًا أو وسيلة تنقل أخرى")),
            ("avoided_activity", t("Avstått från en aktivitet", "Avoided an activity", "امتنعت عن نشاط ما")),
            ("quality_of_life", t("Det har påverkat min livskvalitet", "It has affected my quality of life",
                                  "أثّر ذلك على جودة حياتي")),
            ("none", t("Inget av detta", "None of these", "لا شيء مما سبق")),
        ),
        settings={"min_choices": 0, "max_choices": 4},
    ),
    BankQuestion(
        "trust_police", 2, "scale",
        text=t("Hur väl stämmer påståendet: ”Polisen bryr sig om de lokala problemen”?",
               "How well does this statement fit: “The police care about the local problems”?",
               "إلى أي مدى تنطبق هذه العبارة: «الشرطة تهتم بالمشاكل المحلية»؟"),
        options=opts(
            ("1", t("Stämmer inte alls", "Not at all", "لا تنطبق إطلاقًا")),
            ("2", t("Stämmer ganska dåligt", "Fairly badly", "تنطبق بشكل ضعيف")),
            ("3", t("Stämmer ganska bra", "Fairly well", "تنطبق بشكل جيد نوعًا ما")),
            ("4", t("Stämmer helt", "Completely", "تنطبق تمامًا")),
        ),
    ),
    BankQuestion(
        "problems", 3, "matrix",
        text=t("Hur stort problem är följande i ditt område?",
               "How big a problem is each of the following in your area?",
               "ما حجم المشكلة التي يمثلها كل مما يلي في منطقتك؟"),
        options=PROBLEM_SCALE, items=PROBLEMS,
    ),
    BankQuestion(
        "priorities", 4, "ranking",
        text=t("Vilka tre problem är viktigast att göra något åt? Rangordna dem.",
               "Which three problems matter most to fix? Rank them.",
               "ما هي المشاكل الثلاث الأهم التي يجب معالجتها؟ رتّبها."),
        options=PROBLEMS, settings={"rank_count": 3},
    ),
    BankQuestion(
        "safety_score", 4, "scale",
        text=t("Hur trygt är ditt område, på en skala från 0 till 10?",
               "How safe is your area, on a scale from 0 to 10?",
               "ما مدى أمان منطقتك على مقياس من 0 إلى 10؟"),
        settings={"scale_min": 0, "scale_max": 10,
                  "low": t("0 = mycket otryggt", "0 = very unsafe", "0 = غير آمن إطلاقًا"),
                  "high": t("10 = mycket tryggt", "10 = very safe", "10 = آمن جدًا")},
    ),
    BankQuestion(
        "unsafe_place_exists", 5, "single",
        text=t("Finns det någon plats i ditt område där du känner dig otrygg?",
               "Is there a place in your area where you feel unsafe?",
               "هل يوجد مكان في منطقتك تشعر فيه بعدم الأمان؟"),
        options=opts(("yes", t("Ja", "Yes", "نعم")), ("no", t("Nej", "No", "لا"))),
    ),
    BankQuestion(
        "unsafe_place", 6, "place", condition=("unsafe_place_exists", "yes"),
        text=t("Var är platsen där du känner dig otrygg, och när?",
               "Where is the place where you feel unsafe, and when?",
               "أين المكان الذي تشعر فيه بعدم الأمان، ومتى؟"),
        options=opts(
            ("station", t("Station och busshållplatser", "Station and bus stops", "المحطة ومواقف الحافلات")),
            ("centre", t("Torget och centrum", "The square and town centre", "الساحة ووسط المدينة")),
            ("park", t("Parker och grönområden", "Parks and green areas", "الحدائق والمساحات الخضراء")),
            ("underpass", t("Gångtunnlar", "Underpasses", "الأنفاق المخصصة للمشاة")),
            ("school", t("Skolgårdar", "School yards", "ساحات المدارس")),
        ),
        settings={"with_time": True},
    ),
    BankQuestion(
        "suggestion", 6, "text",
        text=t("Vad skulle göra ditt område tryggare?", "What would make your area safer?",
               "ما الذي سيجعل منطقتك أكثر أمانًا؟"),
    ),
    BankQuestion(
        "age", 7, "single", role="age",
        text=t("Hur gammal är du?", "How old are you?", "كم عمرك؟"),
        options=opts(*[(band, t(band, band, band)) for band in ("16-24", "25-34", "35-44", "45-54", "55-64",
                                                                 "65-74")],
                     ("75+", t("75 eller äldre", "75 or older", "75 أو أكثر"))),
    ),
    BankQuestion(
        "gender", 7, "single", role="gender",
        text=t("Vilket kön har du?", "What is your gender?", "ما هو جنسك؟"),
        options=opts(
            ("woman", t("Kvinna", "Woman", "امرأة")),
            ("man", t("Man", "Man", "رجل")),
            ("other", t("Annat", "Other", "آخر")),
            ("no_answer", t("Vill inte svara", "Prefer not to say", "أفضّل عدم الإجابة")),
        ),
    ),
    BankQuestion(
        "subarea", 7, "subarea", role="subarea",
        text=t("I vilket område bor eller vistas du mest?", "Which area do you live in or spend most time in?",
               "في أي منطقة تسكن أو تقضي معظم وقتك؟"),
    ),
    BankQuestion(
        "years", 7, "single", role="years",
        text=t("Hur länge har du bott i området?", "How long have you lived in the area?",
               "منذ متى تسكن في المنطقة؟"),
        options=opts(
            ("lt1", t("Mindre än 1 år", "Less than 1 year", "أقل من سنة")),
            ("1-5", t("1–5 år", "1–5 years", "من 1 إلى 5 سنوات")),
            ("6-10", t("6–10 år", "6–10 years", "من 6 إلى 10 سنوات")),
            ("gt10", t("Mer än 10 år", "More than 10 years", "أكثر من 10 سنوات")),
            ("not_living", t("Bor inte i området", "I do not live in the area", "لا أسكن في المنطقة")),
        ),
    ),
    BankQuestion(
        "relation", 7, "multiple", role="relation",
        text=t("Vad gör du i området?", "What do you do in the area?", "ماذا تفعل في المنطقة؟"),
        help=t("Välj alla som stämmer.", "Choose all that apply.", "اختر كل ما ينطبق."),
        options=opts(
            ("lives", t("Bor", "Live", "أسكن")),
            ("works", t("Arbetar", "Work", "أعمل")),
            ("studies", t("Studerar", "Study", "أدرس")),
            ("visits", t("Besöker", "Visit", "أزور")),
        ),
        settings={"min_choices": 0, "max_choices": 4},
    ),
)
