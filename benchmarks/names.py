"""Names for synthetic people, in the scripts a London borough's desks actually see.

Each origin has given and family names as (as written, in Latin letters); the Latin form makes
user names and the bracketed form staff directories use ("પ્રિયા પટેલ (Priya Patel)").
Weights are rough shares of a diverse borough, not census figures.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

Pair = tuple[str, str]


@dataclass(frozen=True)
class Origin:
    name: str
    weight: int
    given: tuple[Pair, ...]
    family: tuple[Pair, ...]
    family_first: bool = False  # Chinese, Korean, Vietnamese order
    joined: bool = False  # no space between family and given name (Chinese, Korean)

    @property
    def latin_script(self) -> bool:
        return all(native == latin for native, latin in self.given)


def _same(*names: str) -> tuple[Pair, ...]:
    return tuple((n, n) for n in names)


def _pairs(text: str) -> tuple[Pair, ...]:
    """'native=Latin, native=Latin' -> pairs."""
    return tuple(tuple(part.strip().split("=")) for part in text.split(","))  # type: ignore[misc]


ORIGINS: tuple[Origin, ...] = (
    Origin("english", 30,
           _same("Oliver", "Amelia", "George", "Isla", "Harry", "Grace", "Thomas", "Emily", "Sarah", "James",
                 "Rebecca", "David", "Chloé", "Zoë", "Amara", "Kwame"),
           _same("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Roberts", "Walker", "Hughes",
                 "Dubois-Mensah", "Okafor", "Campbell", "Clarke")),
    Origin("irish", 4, _same("Siobhán", "Seán", "Aoife", "Niamh", "Caoimhe", "Pádraig", "Órla", "Ciarán"),
           _same("O'Connor", "Ó Briain", "Ó Súilleabháin", "Murphy", "Kelly", "Mac Cárthaigh")),
    Origin("polish", 7, _same("Łukasz", "Małgorzata", "Wojciech", "Zofia", "Paweł", "Agnieszka", "Grzegorz", "Józef"),
           _same("Żółć", "Wiśniewski", "Kowalczyk", "Wójcik", "Lewandowska", "Szymański", "Dąbrowska")),
    Origin("romanian", 5, _same("Ștefan", "Ioana", "Mihai", "Alexandra", "Andrei", "Elena", "Răzvan"),
           _same("Popescu", "Ionescu", "Țurcanu", "Dumitrașcu", "Stănescu")),
    Origin("turkish", 4, _same("Şükrü", "Gülşen", "Ayşe", "Çağrı", "Öznur", "Mehmet", "İbrahim"),
           _same("Yılmaz", "Öztürk", "Çelik", "Şahin", "Doğan", "Aydın")),
    Origin("somali", 4, _same("Cabdi", "Faadumo", "Maxamed", "Hodan", "Xasan", "Ayaan"),
           _same("Cali", "Warsame", "Maxamuud", "Jaamac", "Nuur")),
    Origin("west_african", 5, _same("Adébáyọ̀", "Olúwaseun", "Chidinma", "Ngozi", "Emeka", "Folákẹ́"),
           _same("Okafor", "Adéyẹmí", "Okonkwo", "Balógun", "Eze")),
    Origin("iberian", 4, _same("João", "Inês", "José", "María", "Sebastián", "Gonçalo"),
           _same("Gonçalves", "Peña", "Núñez", "Conceição", "Muñoz")),
    Origin("vietnamese", 2, _same("Ngọc Anh", "Minh Đức", "Thị Hương", "Văn Hùng"),
           _same("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"), family_first=True),
    Origin("arabic", 5, _pairs("محمد=Mohammed, فاطمة=Fatima, أحمد=Ahmed, مريم=Maryam, يوسف=Yusuf, ليلى=Layla, عمر=Omar"),
           _pairs("الحسن=Al-Hassan, حداد=Haddad, خوري=Khoury, النجار=Al-Najjar, منصور=Mansour")),
    Origin("urdu", 5, _pairs("عمران=Imran, عائشہ=Ayesha, بلال=Bilal, زینب=Zainab"),
           _pairs("خان=Khan, قریشی=Qureshi, بٹ=Butt, ملک=Malik")),
    Origin("gujarati", 5, _pairs("પ્રિયા=Priya, રાજેશ=Rajesh, અંજલિ=Anjali, કિરણ=Kiran, નીતા=Nita"),
           _pairs("પટેલ=Patel, શાહ=Shah, દેસાઈ=Desai, મહેતા=Mehta")),
    Origin("bengali", 6, _pairs("রহিম=Rahim, ফাতেমা=Fatema, সুমন=Suman, নাসরিন=Nasrin, তানভীর=Tanvir"),
           _pairs("আহমেদ=Ahmed, চৌধুরী=Chowdhury, রহমান=Rahman, ইসলাম=Islam, উদ্দিন=Uddin")),
    Origin("hindi", 3, _pairs("अमित=Amit, सुनीता=Sunita, राहुल=Rahul, पूजा=Pooja"),
           _pairs("शर्मा=Sharma, वर्मा=Verma, सिंह=Singh, गुप्ता=Gupta")),
    Origin("punjabi", 3, _pairs("ਹਰਪ੍ਰੀਤ=Harpreet, ਗੁਰਪ੍ਰੀਤ=Gurpreet, ਜਸਵਿੰਦਰ=Jaswinder, ਮਨਜੀਤ=Manjit"),
           _pairs("ਸਿੰਘ=Singh, ਕੌਰ=Kaur, ਗਿੱਲ=Gill, ਸੰਧੂ=Sandhu")),
    Origin("tamil", 3, _pairs("அருண்=Arun, கவிதா=Kavitha, செல்வம்=Selvam, மீனா=Meena"),
           _pairs("சுப்பிரமணியம்=Subramaniam, கிருஷ்ணன்=Krishnan, ராஜா=Raja")),
    Origin("greek", 2, _pairs("Γιώργος=Giorgos, Ελένη=Eleni, Δημήτρης=Dimitris, Σοφία=Sofia"),
           _pairs("Παπαδόπουλος=Papadopoulos, Γεωργίου=Georgiou, Οικονόμου=Oikonomou")),
    Origin("ukrainian", 3, _pairs("Олена=Olena, Дмитро=Dmytro, Наталія=Nataliia, Андрій=Andrii"),
           _pairs("Шевченко=Shevchenko, Коваленко=Kovalenko, Бондаренко=Bondarenko, Ткаченко=Tkachenko")),
    Origin("amharic", 1, _pairs("ሰላም=Selam, ዳዊት=Dawit, ሄለን=Helen, ብርሃን=Birhan"),
           _pairs("ተስፋዬ=Tesfaye, ገብረመድህን=Gebremedhin, አበበ=Abebe")),
    Origin("chinese", 3, _pairs("伟=Wei, 芳=Fang, 静=Jing, 磊=Lei, 秀英=Xiuying"),
           _pairs("王=Wang, 李=Li, 张=Zhang, 刘=Liu, 陈=Chen"), family_first=True, joined=True),
    Origin("korean", 1, _pairs("지민=Jimin, 서연=Seoyeon, 민준=Minjun"),
           _pairs("김=Kim, 이=Lee, 박=Park"), family_first=True, joined=True),
)

_WEIGHTS = [o.weight for o in ORIGINS]


@dataclass(frozen=True)
class PersonName:
    display: str  # as the person writes it, with the Latin form in brackets for other scripts
    given_latin: str
    family_latin: str


_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss"})


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def _order(given: str, family: str, *, family_first: bool, joined: bool = False) -> str:
    if not family_first:
        return f"{given} {family}"
    return f"{family}{given}" if joined else f"{family} {given}"


def person_name(rng: random.Random) -> PersonName:
    origin = rng.choices(ORIGINS, _WEIGHTS)[0]
    given, given_latin = rng.choice(origin.given)
    family, family_latin = rng.choice(origin.family)
    if origin.latin_script and not origin.family_first and rng.random() < 0.05:
        other, other_latin = rng.choice(rng.choices(ORIGINS, _WEIGHTS)[0].family)
        if other != family and other_latin == other:  # a double-barrelled name, both in Latin letters
            family, family_latin = f"{family}-{other}", f"{family_latin}-{other_latin}"
    display = _order(given, family, family_first=origin.family_first, joined=origin.joined)
    if not origin.latin_script:
        display += f" ({_order(given_latin, family_latin, family_first=origin.family_first)})"
    return PersonName(unicodedata.normalize("NFC", display), given_latin, family_latin)


def username_for(name: PersonName, taken: set[str]) -> str:
    """Council style: first initial, a dot, the family name, in plain letters; a number if taken."""
    family = re.sub(r"[^a-z0-9]", "", _ascii(name.family_latin).lower()) or "staff"
    initial = (re.sub(r"[^a-z]", "", _ascii(name.given_latin).lower()) or "x")[0]
    base = f"{initial}.{family}"[:60]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate
