"""Word lists the demo company is made from: people's names and customer company names.

Names are grouped by language so that a first name is paired with a family name that
belongs with it; the mix of groups gives the product organisation a realistic, global feel.
"""

from __future__ import annotations

# (given names, family names) per language group.
PERSON_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "english": (
        ("Olivia", "James", "Hannah", "Ethan", "Grace", "Liam", "Chloe", "Owen", "Megan", "Ryan"),
        ("Carter", "Brooks", "Sullivan", "Hughes", "Bennett", "Foster", "Reid", "Walsh", "Price"),
    ),
    "spanish": (
        ("Lucía", "Mateo", "Valentina", "Diego", "Camila", "Javier", "Sofía", "Andrés", "Elena"),
        ("García", "Moreno", "Ortega", "Navarro", "Romero", "Castillo", "Vargas", "Herrera"),
    ),
    "indian": (
        ("Priya", "Arjun", "Ananya", "Rohan", "Kavya", "Vikram", "Meera", "Aditya", "Ishaan"),
        ("Sharma", "Iyer", "Patel", "Reddy", "Nair", "Gupta", "Menon", "Desai", "Kulkarni"),
    ),
    "chinese": (
        ("Wei", "Mei", "Jun", "Xiu", "Hao", "Yan", "Zhen", "Qing", "Ying"),
        ("Chen", "Wang", "Zhang", "Liu", "Huang", "Zhou", "Xu", "Lin", "Tang"),
    ),
    "nigerian": (
        ("Chiamaka", "Tunde", "Ngozi", "Emeka", "Folake", "Obinna", "Adaeze", "Kelechi"),
        ("Okafor", "Adeyemi", "Eze", "Balogun", "Okonkwo", "Nwosu", "Adebayo", "Obi"),
    ),
    "german": (
        ("Lena", "Jonas", "Miriam", "Lukas", "Anja", "Felix", "Katrin", "Tobias", "Jana"),
        ("Schneider", "Becker", "Hoffmann", "Wagner", "Krüger", "Schäfer", "Vogel", "Brandt"),
    ),
    "french": (
        ("Camille", "Julien", "Manon", "Théo", "Élodie", "Antoine", "Inès", "Mathieu"),
        ("Lefèvre", "Dubois", "Moreau", "Girard", "Fontaine", "Rousseau", "Chevalier"),
    ),
    "japanese": (
        ("Haruka", "Kenji", "Yui", "Takeshi", "Aiko", "Ren", "Sakura", "Daiki"),
        ("Tanaka", "Sato", "Yamamoto", "Nakamura", "Kobayashi", "Watanabe", "Ito"),
    ),
    "korean": (
        ("Ji-woo", "Min-jun", "Seo-yeon", "Hyun-woo", "Ha-eun", "Do-yun", "Soo-ah"),
        ("Kim", "Park", "Lee", "Choi", "Jung", "Kang", "Yoon"),
    ),
    "vietnamese": (
        ("Linh", "Minh", "Thao", "Quang", "Huong", "Duc", "Trang"),
        ("Nguyen", "Tran", "Pham", "Le", "Vu", "Hoang", "Dang"),
    ),
    "polish": (
        ("Zofia", "Jakub", "Agnieszka", "Piotr", "Marta", "Tomasz", "Natalia"),
        ("Kowalski", "Nowak", "Wiśniewski", "Zieliński", "Lewandowski", "Kamińska"),
    ),
    "arabic": (
        ("Layla", "Omar", "Yasmin", "Karim", "Nour", "Hassan", "Rania", "Tariq"),
        ("Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Farouk", "Aziz"),
    ),
    "brazilian": (
        ("Beatriz", "Gabriel", "Larissa", "Rafael", "Fernanda", "Thiago", "Juliana"),
        ("Silva", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Barbosa"),
    ),
    "nordic": (
        ("Freja", "Mikkel", "Ingrid", "Anders", "Sigrid", "Lars", "Astrid"),
        ("Lindqvist", "Andersen", "Halvorsen", "Nyberg", "Johansson", "Dahl"),
    ),
    "turkish": (
        ("Elif", "Emre", "Zeynep", "Burak", "Defne", "Can", "Selin"),
        ("Yılmaz", "Demir", "Aydın", "Şahin", "Kaya", "Öztürk"),
    ),
}

# Letters that Unicode decomposition does not reduce to ASCII, spelled as people do in email.
ASCII_SPELLINGS = {"ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "ı": "i", "đ": "d", "œ": "oe"}

# --- customer companies ------------------------------------------------------------------

COMPANY_ADJECTIVES = (
    "Blue", "Red", "Silver", "Golden", "Northern", "Southern", "Pacific", "Atlantic", "Bright",
    "Clear", "Swift", "True", "Bold", "Evergreen", "Iron", "Copper", "Crimson", "Amber",
    "Coastal", "Prairie", "Summit", "Harbor", "Granite", "Cedar", "Maple", "Oak", "Willow",
    "Highland", "Lakeside", "Riverbend", "Sterling", "Union", "Liberty", "Pioneer", "Keystone",
    "Frontier", "Metro", "Urban", "Alpine", "Sunrise", "Midwest", "Lone Star", "Bayview",
)

COMPANY_NOUNS = (
    "Ridge", "Peak", "Harbor", "Field", "Bridge", "Stone", "Valley", "River", "Forge", "Beacon",
    "Anchor", "Compass", "Crest", "Point", "Falls", "Grove", "Meadow", "Canyon", "Mesa", "Pine",
    "Arrow", "Lantern", "Signal", "Orbit", "Vector", "Harvest", "Tide", "Haven", "Crown",
    "Gate", "Line", "Path", "Works", "Square", "Trail", "Wharf", "Bay", "Hill", "Wood", "Rock",
)

COMPANY_INDUSTRIES = (
    "Logistics", "Freight", "Health", "Dental Group", "Clinics", "Foods", "Analytics",
    "Robotics", "Energy", "Solar", "Capital", "Realty", "Manufacturing", "Labs", "Pharma",
    "Insurance", "Legal", "Media", "Studios", "Hospitality", "Construction", "Retail",
    "Outfitters", "Security", "Systems", "Software", "Biotech", "Fitness", "Academy",
    "Marine", "Aerospace", "Telecom", "Consulting", "Staffing", "Property Management",
    "Veterinary", "Brewing", "Supply Co", "Engineering", "Architects", "Home Services",
    "Facilities", "Transport", "Payments", "Learning", "Nutrition", "Pet Care", "Apparel",
)

# Syllables for coined single-word brands ("Vantora", "Kelvix").
BRAND_HEADS = (
    "Vant", "Kel", "Zen", "Quant", "Nex", "Lum", "Ver", "Cor", "Sol", "Tri", "Ax", "Nov",
    "Mer", "Cal", "Bri", "Syn", "Ori", "Pax", "Vel", "Ard", "Tel", "Zyn", "Oct", "Hal",
    "Ryv", "Cir", "Dex", "Flo", "Gal", "Jun", "Kin", "Mav", "Ost", "Rel", "Tav", "Ult",
)
BRAND_TAILS = (
    "ora", "ix", "ium", "ara", "ova", "ent", "iva", "eon", "io", "ly", "ify", "era", "ico",
    "ana", "is", "on", "ex", "ia", "ity", "ata", "elle", "una", "ant", "ory", "ics",
)

ENTERPRISE_SUFFIXES = ("Group", "Holdings", "International", "Global", "Corporation")

DOMAIN_SUFFIX = "example"
