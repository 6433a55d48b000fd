"""Tests for smelter_match.normalize (names to keys): worked examples from the seed and the RMI
reference, then hypothesis properties (totality, idempotence, non-empty keys, invariants between
the fields). Folding and the vocabularies: test_folding.py; countries: test_countries.py."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

import pycountry
import pytest
from _support import DERIVED_DIR, SEED, distinct_values, seed_table_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unidecode import unidecode

from smelter_match._resources import data_path
from smelter_match.countries import _SCRIPT_BRACKET_RE
from smelter_match.folding import fold
from smelter_match.metals import METALS, normalize_metal
from smelter_match.normalize import _ENUMERATOR_RE, NormalizedName, normalize_name
from smelter_match.transliterate import to_ascii

REFERENCE = DERIVED_DIR / "reference.csv"
HISTORY = DERIVED_DIR / "reference_history.csv"
ALIASES = DERIVED_DIR / "aliases.csv"

needs_shared = pytest.mark.skipif(not ALIASES.is_file(), reason="../shared/rmi not present")


def key(text: str) -> str:
    return normalize_name(text).key



@pytest.mark.parametrize("typed", ["1. ", "12) ", "#3 ", "4:", "5\t", "1.", " 2 . "])
def test_a_row_number_before_the_name_is_not_part_of_it(typed: str) -> None:
    assert normalize_name(f"{typed}Metalor Technologies S.A.").key == "metalor technologies"


@pytest.mark.parametrize("name", ["8853 S.p.A.", "5D Production OU", "1.5N Plus", "1.", "#1",
                                  "5.P.T. spol. s r.o."])
def test_digits_that_are_the_name_stay(name: str) -> None:
    """RMI names that begin with digits keep them; a row number alone is not removed either."""
    assert normalize_name(name).key.split()[0][0].isdigit(), name


def test_homoglyphs_in_latin_context() -> None:
    cyrillic_tap = "\u0422\u0410\u0420"  # the seed's "ТАР": Cyrillic TE, A, ER
    assert normalize_name(cyrillic_tap).key == "tap"  # not unidecode's "tar"
    assert key(cyrillic_tap + " Metals") == "tap metals"
    # one Cyrillic O/E inside a Latin word
    assert key("M\u0435talor T\u0435chnologi\u0435s SA") == "metalor technologies"
    assert key("Krast\u0441vetmet") == "krastcvetmet"
    # Greek capitals among Latin
    assert key("\u039a\u0395\u039c\u0395\u03a4 Blue Powder") == "kemet blue powder"
    # genuinely Cyrillic text is transliterated, not "repaired"
    uralelektromed = (
        "\u0423\u0440\u0430\u043b\u044d\u043b\u0435\u043a\u0442\u0440\u043e\u043c\u0435\u0434\u044c"
    )
    assert key(uralelektromed) == "uralelektromed"
    assert key("JSC " + uralelektromed) == "uralelektromed"
    # Cyrillic "OOO" is a legal form
    assert key("\u041e\u041e\u041e \u201cTechnolom\u201d 1") == "technolom 1"


def test_chinese_and_japanese_script_names() -> None:
    n = normalize_name("云南锡业股份有限公司锡业分公司")
    assert n.folded.startswith("yun nan xi ye gu fen you xian gong si")
    assert n.key == "yun nan xi ye gu fen you xian gong si xi ye"  # "fen gong si" (branch) stripped
    assert key("洛阳栾川钼业集团钨业有限公司").endswith("wu ye")  # "you xian gong si" stripped
    assert key("タニオビス・ジャパン株式会社") == "taniobisu ziyapan"


# ---------------------------------------------------------------------------------------------
# legal forms and stop-words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C. Hafner GmbH + Co. KG", "c hafner"),
        ("H.C. Starck Smelting GmbH & Co. KG", "hc starck smelting"),
        ("Heraeus Germany GmbH Co. KG", "heraeus germany"),
        ("Aida Chemical Industries Co., Ltd.", "aida chemical industries"),
        ("Great Wall Precious Metals Co,. LTD.", "great wall precious metals"),
        ("ISHIKAWA METAL CO.,LTD.", "ishikawa metal"),
        ("Tongding Metal Material Co.,Ltd.", "tongding metal material"),
        ("Metalurgica Met-Mex Penoles S.A. De C.V.", "metalurgica met mex penoles"),
        ("METALÚRGICA MET-MEX PEÑOLES, S.A. DE C.V", "metalurgica met mex penoles"),
        ("Chimet S.p.A.", "chimet"),
        ("Planta Recuperadora de Metales SpA", "planta recuperadora metales"),
        ("Rand Refinery (Pty) Ltd.", "rand refinery"),
        ("Metal Concentrators SA (Pty) Ltd.", "metal concentrators"),
        ("CGR Metalloys Pvt Ltd.", "cgr metalloys"),
        ("MMTC-PAMP India Pvt., Ltd.", "mmtc pamp india"),
        ("Augmont Enterprises Private Limited", "augmont enterprises"),
        ("PT Aneka Tambang (Persero) Tbk", "aneka tambang"),
        ("PT Timah Tbk Mentok", "timah tbk mentok"),
        ("PT.HANJAYA PERKASA METALS", "hanjaya perkasa metals"),
        ("CV Ayi Jaya", "ayi jaya"),
        ("OJSC Kolyma Refinery", "kolyma refinery"),
        ("JSC Uralelectromed", "uralelectromed"),
        ("Hydrometallurg, JSC", "hydrometallurg"),
        ("PJSC Foo", "foo"),
        ("Wolfram Company CJSC", "wolfram"),
        ("Kyshtym Copper-Electrolytic Plant ZAO", "kyshtym copper electrolytic plant"),
        ("OAO Foo", "foo"),
        ("Aktyubinsk Copper Company TOO", "aktyubinsk copper"),
        ("TOO Tau-Ken-Altyn", "tau ken altyn"),
        ("Foo LLP", "foo"),
        ("Kazakhmys Smelting LLC", "kazakhmys smelting"),
        ("NPP Tyazhmetprom LLC", "npp tyazhmetprom"),
        ("Asahi Refining USA Inc.", "asahi refining usa"),
        ("Allgemeine Gold-und Silberscheideanstalt A.G.", "allgemeine gold silberscheideanstalt"),
        ("Remondis Argentia B.V.", "remondis argentia"),
        ("Umicore Brasil Ltda.", "umicore brasil"),
        ("C.I Metales Procesados Industriales SAS", "ci metales procesados industriales"),
        ("ACL Metais Eireli", "acl metais"),
        ("Asahi Refining Canada Limited", "asahi refining canada"),
        ("Geib Refining Corporation", "geib refining"),
        ("Asahi Pretec Corp.", "asahi pretec"),
        ("Advanced Chemical Company", "advanced chemical"),
        ("Yunnan Tin Company Limited", "yunnan tin"),
        ("Nanchang Cemented Carbide Limited Liability Company", "nanchang cemented carbide"),
        ("Tuyen Quang Non-Ferrous Metals Joint Stock Company", "tuyen quang nonferrous metals"),
        ("Tony Goetz NV", "tony goetz"),
        ("Metallo Belgium N.V.", "metallo belgium"),
        ("Metallo Spain S.L.U.", "metallo spain"),
        ("Modeltech Sdn Bhd", "modeltech"),
        ("Metalor Technologies (Singapore) Pte., Ltd.", "metalor technologies singapore"),
        ("Nadir Metal Rafineri San. Ve Tic. A.S.", "nadir metal rafineri"),
        ("Tanaka Kikinzoku Kogyo K.K.", "tanaka kikinzoku kogyo"),
        ("KGHM Polska Miedz S.A.", "kghm polska miedz"),
        ("M/s ECO Tropical Resources", "eco tropical resources"),
        ("Alent plc", "alent"),
        ("SA Minsur", "minsur"),
        ("Taiwan qinggao qiye you xian gong si", "taiwan qinggao qiye"),
        ("Samhwa Non-Ferrous Metal. Inc Co.,Ltd", "samhwa nonferrous metal"),
        # a mistyped form at the end: one slip (two in a long form), a short one only after a
        # word of a legal form; never a word of the vocabularies ("MSC", "USA": two slips from
        # every short form)
        ("China National Gold Group Coropratoin", "china national gold group"),
        ("Group Apex Industrial Comopany", "group apex industrial"),
        ("Nichicon Corporatin", "nichicon"),
        ("Sabin Metal Limted", "sabin metal"),
        ("Yamakin Co., Ktd.", "yamakin"),
        ("Matsuda Sangyo Co., Etd.", "matsuda sangyo"),
        ("Malaysia Smelting Corporation (MSC)", "malaysia smelting corporation msc"),
        ("Global Tungsten & Powders Corp USA", "global tungsten powders corp usa"),
        ("Yamakin Ktd", "yamakin ktd"),
        ("Comopany", "comopany"),
        # stop-words
        ("The Refinery of Shandong Gold Mining Co., Ltd.", "refinery shandong gold mining"),
        ("JALAN & Company", "jalan"),
        ("Morris and Watson", "morris watson"),
        ("Cendres et Métaux SA", "cendres metaux"),
        # never strip everything
        ("Company", "company"),
        ("Co., Ltd.", "co"),
        ("PT", "pt"),
        ("The", "the"),
        ("The & Of", "the and of"),
    ],
)
def test_key_strips_legal_forms_and_stop_words(text: str, expected: str) -> None:
    assert key(text) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Argor-Heraeus SA", "Argor-Heraeus S.A."),
        ("Aida Chemical Industries Co. Ltd.", "Aida Chemical Industries Co., Ltd."),
        ("HC Starck GmbH", "H.C. Starck GmbH"),
        ("Cendres + Métaux SA", "Cendres & Metaux S.A."),
        ("PX Précinox S.A.", "PX Precinox SA"),
        ("Tongling nonferrous Metals Group Co.,Ltd", "Tongling Non-Ferrous Metals Group Co., Ltd."),
        (
            "Allgemeine Gold-und Silberscheideanstalt A.G.",
            "Allgemeine Gold- & Silberscheideanstalt",
        ),
        (
            "Jiangxi Tonggu Non-ferrous Metallurgical & Chemical Co., Ltd.",
            "JIANGXI TONGGU NON FERROUS METALLURGICAL AND CHEMICAL CO LTD",
        ),
    ],
)
def test_spelling_variants_share_a_key(a: str, b: str) -> None:
    assert key(a) == key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ShangHai YueQiang Metal Products", "Shanghai Yueqiang Metal Products"),
        ("Shang Hai Jiangxi Metals", "Shanghai Jiangxi Metals"),
        ("LinBao Gold Mining", "Linbao Gold Mining"),
        ("HwaSeong CJ CO., LTD.", "Hwaseong CJ Co. Ltd."),
        ("Ma'anshan Weitai Tin", "Ma An Shan Weitai Tin"),
    ],
)
def test_compact_equates_split_and_glued_words(a: str, b: str) -> None:
    assert normalize_name(a).compact == normalize_name(b).compact


# ---------------------------------------------------------------------------------------------
# derived fields: tokens, compact, acronym, variants


def test_parenthetical_variants() -> None:
    n = normalize_name("AGR (Perth Mint Australia)")
    assert n.variants == ("agr perth mint australia", "agr", "perth mint australia")
    n = normalize_name("Almalyk Mining and Metallurgical Complex (AMMC)")
    assert n.variants[0] == n.key == "almalyk mining metallurgical complex ammc"
    assert "ammc" in n.variants and "almalyk mining metallurgical complex" in n.variants
    assert n.acronym == "ammc"  # initials of the name outside the brackets
    # a bracketed country, or words with nothing distinctive, are not another name: a supplier's
    # "X (Thailand)" must not hit every RMI name with "(Thailand)" exactly
    n = normalize_name("Metalor Technologies (Hong Kong) Ltd.")
    assert n.variants == ("metalor technologies hong kong", "metalor technologies")
    assert normalize_name("Wolfram [Austria]").variants == ("wolfram austria", "wolfram")
    n = normalize_name("Emerald Jewel Industry India Limited (Unit 2)")
    assert n.variants == ("emerald jewel industry india limited unit 2",
                          "emerald jewel industry india", "emerald jewel industry")
    # a bracketed legal form is not a variant
    assert normalize_name("Rand Refinery (Pty) Ltd.").variants == ("rand refinery",)
    assert normalize_name("PT Aneka Tambang (Persero) Tbk").variants == ("aneka tambang",)
    n = normalize_name("Sancus ZFS (L'Orfebre, SA)")
    assert n.variants == ("sancus zfs lorfebre", "sancus zfs", "lorfebre")
    assert normalize_name("L'Orfebre S.A.").key == "lorfebre"
    assert normalize_name("YH(Yunnan)").variants == ("yh yunnan", "yh", "yunnan")


def test_a_country_after_the_name_is_a_variant_like_a_bracketed_one() -> None:
    # where, not who: the key and the acronym keep the country, a variant leaves it out, so
    # "Conecsus LLC United States Of America" finds "Conecsus LLC" as "(USA)" did
    n = normalize_name("Conecsus LLC United States Of America")
    assert n.key == "conecsus llc united states america"
    assert n.variants == (n.key, "conecsus")
    assert normalize_name("Conecsus LLC, USA").variants[1:] == ("conecsus",)
    assert normalize_name("Metalor Hong Kong, China").variants[1:] == ("metalor",)
    # outside brackets too
    n = normalize_name("Rand Refinery (Pty) Ltd, South Africa")
    assert n.variants[-1] == "rand refinery" and n.acronym == "rrlsa"
    n = normalize_name("Global Tungsten & Powders Corp USA")
    assert n.variants[1:] == ("global tungsten powders",) and n.acronym == "gtpcu"
    # after the legal form too, as RMI writes "Heraeus Germany GmbH Co. KG"
    assert normalize_name("Heraeus Germany GmbH Co. KG").variants == ("heraeus germany", "heraeus")
    # not an ISO code ("YE" is Yemen), nor when nothing distinctive is left, nor a country alone
    assert normalize_name("Yunnan Xi YE").variants == ("yunnan xi ye",)
    assert normalize_name("Gold Refinery China").variants == ("gold refinery china",)
    assert normalize_name("Thailand").variants == ("thailand",)
    assert normalize_name("Korea Zinc Co., Ltd.").variants == ("korea zinc",)


def test_unbalanced_parentheses_from_pdf_rows() -> None:
    first = normalize_name('OJSC "The Gulidov Krasnoyarsk Non-Ferrous Metals Plant" (OJSC')
    assert first.variants == ("gulidov krasnoyarsk nonferrous metals plant",)
    second = normalize_name("Krastsvetmet)")
    assert second.key == "krastsvetmet" and second.variants == ("krastsvetmet",)
    n = normalize_name("Foo Metals) Bar (Baz")
    assert n.key == "foo metals bar baz"
    assert set(n.variants) == {"foo metals bar baz", "bar", "foo metals", "baz"}
    assert normalize_name("(((").variants == ("",)


def test_derived_fields() -> None:
    n = normalize_name("Almalyk Mining and Metallurgical Complex")
    assert n.tokens == ("almalyk", "mining", "metallurgical", "complex")
    assert n.acronym == "ammc"
    assert n.compact == "almalykminingmetallurgicalcomplex"
    assert normalize_name("Kazzinc").acronym == ""
    assert isinstance(n, NormalizedName)
    with pytest.raises(AttributeError):
        n.key = "x"  # type: ignore[misc]


def test_non_string_inputs() -> None:
    for missing in (None, float("nan"), math.nan, Decimal("NaN")):
        n = normalize_name(missing)
        assert n.original == "" and n.key == "" and n.variants == ("",)
    assert normalize_name(8853).key == "8853"
    assert normalize_name(b"Chimet S.p.A.").key == "chimet"
    assert normalize_name(b"\xff\xfe").key == ""


def test_normalize_name_is_cached() -> None:
    text = "Some Cached Refinery Co., Ltd."
    assert normalize_name(text) is normalize_name(text)


@pytest.mark.skipif(not SEED.is_file(), reason="../shared/seeds not present")
def test_seed_names_and_metals() -> None:
    names = [f[0] for f in seed_table_rows() if f and f[0]]
    assert len(names) > 400
    for name in names:
        n = normalize_name(name)
        assert bool(n.key) == has_renderable_alnum(name), name  # "·····" rows give ""
        assert normalize_name(n.key).key == n.key, name
    metal_cells = {f[-1] for f in seed_table_rows() if len(f) >= 2 and f[-1]}
    assert {normalize_metal(m) for m in metal_cells if normalize_metal(m)} == set(METALS)
    assert normalize_metal("rantalum") == "Tantalum"  # a metal cell in the seed


@needs_shared
def test_every_reference_name_normalises_stably() -> None:
    names = distinct_values(ALIASES, "alias") | distinct_values(ALIASES, "standard_name")
    for name in names:
        n = normalize_name(name)
        assert bool(n.key) == has_renderable_alnum(name), name
        assert normalize_name(n.key).key == n.key, name
        assert normalize_name(n.folded).folded == n.folded, name


# ---------------------------------------------------------------------------------------------
# resources


def test_vocab_files_found() -> None:
    for name in (
        "legal_forms.txt",
        "stopwords.txt",
        "generic_words.txt",
        "country_aliases.csv",
        "metals.csv",
    ):
        assert data_path("vocab", name).is_file()
    with pytest.raises(FileNotFoundError):
        data_path("vocab", "no_such_file.txt")


# ---------------------------------------------------------------------------------------------
# properties

# Name-like fragments, so hypothesis exercises legal forms, brackets, homoglyphs and glue,
# joined with spaces or glued together.
FRAGMENTS = [
    "Co.",
    "Co.,",
    "Ltd",
    "LTD.",
    "GmbH",
    "&",
    "+",
    "S.A.",
    "SA",
    "de",
    "C.V.",
    "(",
    ")",
    "[",
    "PT",
    "Tbk",
    "(Persero)",
    "OJSC",
    "JSC",
    "The",
    "of",
    "and",
    "HeeSung",
    "ATAkulche",
    "ShangHai",
    "\u0422\u0410\u0420",
    "\u0423\u0440\u0430\u043b",
    "Ω",
    "’",
    "'",
    "1",
    "Unit1",
    "8853",
    "锡业",
    "株式会社",
    "Ö",
    "ß",
    "Ｇ",
    "-",
    ".",
    ",",
    "Non-Ferrous",
    "non",
    "ferrous",
    "McDonald",
    "KGaA",
    "Gold",
    "Tin",
    "Smelting",
    "x",
    "É",
    "\u0301",
    "ǅ",
    "\u00a0",
    "\t",
    "",
]
name_like = st.lists(st.sampled_from(FRAGMENTS), max_size=8).flatmap(
    lambda parts: st.sampled_from([" ".join(parts), "".join(parts)])
)
texts = st.one_of(st.text(), name_like, st.text(alphabet=st.characters(codec="utf-8")))
objects = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True),
    st.booleans(),
    st.binary(),
    st.lists(st.integers(), max_size=3),
    st.tuples(st.text()),
    texts,
)
PROPS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY_CHARS = re.compile(r"^(?:[a-z0-9]+(?: [a-z0-9]+)*)?$")
ALPHA_2 = frozenset(c.alpha_2 for c in pycountry.countries)


def has_renderable_alnum(text: str) -> bool:
    """The documented condition for a non-empty key: some character of the text, after NFKC and
    unidecode, is an ASCII letter or digit, or "&"/"+" (read as "and"). Letters unidecode cannot
    render (e.g. Linear B) and marks or other symbols alone do not count."""
    return re.search(r"[A-Za-z0-9&+]", unidecode(unicodedata.normalize("NFKC", text))) is not None


@PROPS
@given(objects)
def test_normalize_name_is_total(obj: object) -> None:
    n = normalize_name(obj)
    assert isinstance(n, NormalizedName)
    assert isinstance(n.original, str)
    if isinstance(obj, str):
        assert n.original == obj


@PROPS
@given(texts)
def test_fields_are_consistent(text: str) -> None:
    n = normalize_name(text)
    assert KEY_CHARS.match(n.folded) and KEY_CHARS.match(n.key)
    assert n.tokens == tuple(n.key.split())
    assert n.compact == n.key.replace(" ", "")
    assert n.variants[0] == n.key
    assert len(set(n.variants)) == len(n.variants)
    assert all(KEY_CHARS.match(v) and v for v in n.variants[1:])
    assert (n.acronym == "") or (len(n.acronym) >= 2 and n.acronym.isalnum())
    # the folded text, but for a row number before the name and a bracketed country in
    # another script (named as ISO does)
    numbered = _ENUMERATOR_RE.match(to_ascii(text)) is not None
    named = _SCRIPT_BRACKET_RE.search(text) is not None
    assert fold(text) == n.folded or (numbered and fold(text).endswith(" " + n.folded)) or named


@PROPS
@given(texts)
def test_idempotent(text: str) -> None:
    n = normalize_name(text)
    assert normalize_name(n.key).key == n.key
    assert normalize_name(n.folded).folded == n.folded
    assert fold(n.folded) == n.folded


@PROPS
@given(st.from_regex(r"[a-z]{2,8}", fullmatch=True), st.from_regex(r"[a-z]{2,8}", fullmatch=True),
       st.sampled_from("01358"))
def test_one_digit_between_letters_keeps_the_word_whole(left: str, right: str, digit: str) -> None:
    """An OCR'd letter ("ma1aysia") must not cut a word in two: each half would then be a word
    no candidate explains."""
    assert fold(left + digit + right) == left + digit + right


@PROPS
@given(texts)
def test_key_non_empty_iff_text_has_a_renderable_letter_or_digit(text: str) -> None:
    n = normalize_name(text)
    assert bool(n.key) == bool(n.folded) == has_renderable_alnum(text)


def test_a_bracketed_country_in_another_script_is_a_place() -> None:
    """"（日本）" after a name is read as "(Japan)": a place, a variant without it, not the words
    "Ri Ben"."""
    n = normalize_name("Aida Chemical Industries Co., Ltd.（日本）")
    assert n.key == normalize_name("Aida Chemical Industries Co., Ltd. (Japan)").key
    assert "aida chemical industries" in n.variants and "ri" not in n.tokens
    assert normalize_name("中国黄金").key == "zhong guo huang jin"     # not bracketed: a name


def test_a_runaway_cell_is_read_up_to_its_first_thousand_characters() -> None:
    """RMI's longest name has 91 characters; a cell of millions (a paste gone wrong) is read
    up to NAME_CHARS, so that searching it takes no more than a long name does."""
    from smelter_match.normalize import NAME_CHARS

    long = "Metalor Technologies SA " + "A" * 2_000_000
    nn = normalize_name(long)
    assert nn.original == long[:NAME_CHARS] and len(nn.key) <= NAME_CHARS
    # read from the first visible character: a name after a thousand spaces or zero-width
    # characters was read as empty (found by an audit of the API)
    for pad in (" ", "\u200b"):
        assert normalize_name(pad * NAME_CHARS + "Minsur").key == "minsur"
    assert nn.key.startswith("metalor technologies sa aaa")
