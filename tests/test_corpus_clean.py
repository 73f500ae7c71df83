"""Cleaning rules on the shapes of PRESSCLUB.md §1.4-1.5: headers/footers, hyphenation, boilerplate."""

from __future__ import annotations

from presstune.corpus.clean import (
    clean_html, clean_pdf, is_disclaimer, join_lines, remove_boilerplate, remove_running_lines,
)
from presstune.corpus.extract import Line, PdfText


def page(*texts: str) -> list[Line]:
    return [Line(text=t) for t in texts]


def test_running_headers_footers_and_page_numbers_are_learned_per_document():
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
    body = [f"Body sentence {w} of the article, which is long enough to be real text." for w in words]
    pages = [
        page("Media Information", "Date 5 December 2025", "Subject New BMW iX3 at the IAA", "Page 1",
             *body[:4], "Rolls-Royce Motor Cars Limited · The Drive · Goodwood", "Page 1 of 3"),
        page("Media Information", "Date 5 December 2025", "Subject New BMW iX3 at the IAA", "Page 2",
             *body[4:8], "Rolls-Royce Motor Cars Limited · The Drive · Goodwood", "Page 2 of 3"),
        page("Media Information", "Date 5 December 2025", "Subject New BMW iX3 at the IAA", "Page 3",
             *body[8:], "Rolls-Royce Motor Cars Limited · The Drive · Goodwood", "Page 3 of 3"),
    ]
    out, removed = remove_running_lines(pages, share=0.5, zone=6)
    assert [l.text for p in out for l in p] == body
    # The Rolls-Royce footer is in no rule table: it was learned from repetition.
    assert removed["running_header_footer"] >= 3


def test_a_line_repeated_inside_the_body_is_not_a_header():
    pages = [page("Intro line one.", *[f"Line {i} text." for i in range(20)], "Outro.") for _ in range(2)]
    pages[0].insert(10, Line(text="The quick repeated sentence in the middle."))
    pages[1].insert(10, Line(text="The quick repeated sentence in the middle."))
    out, _ = remove_running_lines(pages, zone=3)
    assert sum(l.text.startswith("The quick") for p in out for l in p) == 2


def test_german_header_block_and_company_footer():
    pages = [page("Presse- und Öffentlichkeitsarbeit", "Presse-Information", "Datum 5. Dezember 2025",
                  "Thema Der neue BMW iX3", "Seite 1", "Der neue BMW iX3 wird in Debrecen gebaut.",
                  "Firma Bayerische Motoren Werke Aktiengesellschaft · Postanschrift BMW AG, 80788 München",
                  "Telefon +49 89 382-0", "Internet www.bmwgroup.com")]
    out, _ = remove_running_lines(pages)
    assert [l.text for l in out[0]] == ["Der neue BMW iX3 wird in Debrecen gebaut."]


def test_hyphenation_rule():
    vocab = {"e-mobility", "development"}
    assert join_lines(["the develop-", "ment of the car"], vocab) == "the development of the car"
    assert join_lines(["the com-", "pany grows"], set()) == "the company grows"  # lower-case: join
    assert join_lines(["in e-", "mobility"], vocab) == "in e-mobility"  # single-letter prefix keeps it
    assert join_lines(["the BMW-", "Group plant"], set()) == "the BMW-Group plant"  # capital: keep
    assert join_lines(["from 2025-", "2030 on"], set()) == "from 2025-2030 on"
    assert join_lines(["plug-", "in hybrid"], {"plug-in"}) == "plug-in hybrid"  # seen hyphenated
    assert join_lines(["Premium-Finanz-", "und Mobilität"], set()) == "Premium-Finanz- und Mobilität"
    assert join_lines(["Finanz\x02", "dienst"], set()) == "Finanzdienst"  # PDFium's line-end hyphen
    assert join_lines(["two", "lines"], set()) == "two lines"


EN_TAIL = [
    "BMW iX3 50 xDrive: WLTP energy consumption combined: 17,9–15,1 kWh/100 km; CO2 emissions combined: 0 g/km; CO2 class: A",
    "The information on fuel consumption, electric power consumption, CO2 emissions and electric range was "
    "determined according to the WLTP test procedure. Further details are available at www.bmw.de/wltp.",
    "Media Contact.",
    "If you have any questions, please contact:",
    "Anna Example, Press Officer\nTelephone: +49-89-382-12345\nE-mail: anna.example@bmwgroup.example",
    "Internet: www.press.bmwgroup.com",
    "The BMW Group",
    "With its four brands BMW, MINI, Rolls-Royce and BMW Motorrad, the BMW Group is the world's leading "
    "premium manufacturer of automobiles and motorcycles ... across the supply chain, production and useful life.",
    "LinkedIn: https://www.linkedin.com/company/bmw-group/",
    "YouTube: https://www.youtube.com/bmwgroup",
    "BMW M Motorsport on the Web.",
]
DE_TAIL = [
    "BMW iX3: Energieverbrauch kombiniert: 17,7–17,6 kWh/100 km (WLTP); CO₂-Emissionen kombiniert: 0 g/km",
    "Die Angaben zu Kraftstoffverbrauch, Stromverbrauch, CO2-Emissionen und elektrischer Reichweite wurden nach dem "
    "WLTP-Messverfahren ermittelt. Weitere Informationen sind unentgeltlich erhältlich unter www.bmw.de/wltp.",
    "Bitte wenden Sie sich bei Rückfragen an:",
    "Max Beispiel, Pressesprecher\nTel.: +49-89-382-54321\nE-Mail: max.beispiel@bmwgroup.example",
    "Die BMW Group",
    "Die BMW Group ist mit ihren vier Marken BMW, MINI, Rolls-Royce und BMW Motorrad der weltweit führende "
    "Premium-Hersteller ... bis zum Ende der Nutzungsphase aller Produkte.",
]
BODY_EN = [
    "Munich. The new BMW iX3 celebrates its world premiere. Depending on equipment it achieves a range of up "
    "to 805 km (WLTP) and charges at up to 400 kW.",
    "Highlights at a glance:",
    "Production starts in Debrecen.\nThe price starts at €68,900.",
]


def test_english_boilerplate_blocks_are_removed_and_body_kept():
    kept, removed = remove_boilerplate(["New BMW iX3 premiere.", *BODY_EN, *EN_TAIL], title="New BMW iX3 premiere.")
    assert kept == BODY_EN
    assert removed["contact"] >= 3 and removed["company"] == 2 and removed["disclaimer"] == 2
    assert removed["social"] == 3 and removed["title"] == 1


def test_german_boilerplate_blocks_are_removed():
    body = ["München. Der neue BMW iX3 wird in Debrecen gebaut. Die Reichweite beträgt bis zu 805 km (WLTP)."]
    kept, removed = remove_boilerplate([*body, *DE_TAIL])
    assert kept == body and removed["company"] == 2 and removed["disclaimer"] == 2


def test_prose_that_mentions_wltp_is_not_a_disclaimer():
    assert not is_disclaimer(BODY_EN[0])
    assert is_disclaimer(EN_TAIL[0]) and is_disclaimer(DE_TAIL[0])


def test_boilerplate_glued_to_a_body_paragraph_is_split_off():
    glued = "The plant employs 5,000 people. The BMW Group With its four brands BMW, MINI, Rolls-Royce and more."
    kept, _ = remove_boilerplate([glued])
    assert kept == ["The plant employs 5,000 people."]


def test_html_body_hard_wrapped_and_indented():
    body = ("Munich. The new model\n    is built at the plant\u00a0in Leipzig.\n\n  Second paragraph\n  wraps here.\n\n"
            "If you have any questions, please contact:\n\nAnna Example\nTel: +49 89 382 1\n\n"
            "The BMW Group\n\nWith its four brands BMW, MINI, Rolls-Royce and BMW Motorrad ...")
    out = clean_html(body).body
    assert out == "Munich. The new model is built at the plant in Leipzig.\n\nSecond paragraph wraps here."


def test_clean_pdf_end_to_end_with_geometry():
    def L(t, top, gap=False):
        return Line(text=t, x0=72, x1=500, top=top, bottom=top - 10, gap_before=gap)

    pdf = PdfText(engine="test", pages=[[
        L("Corporate Communications", 800), L("Media Information", 770, True), L("Date 5 December 2025", 750),
        L("Subject Title of the release", 735), L("Title of the release", 700, True),
        L("Munich. The first paragraph starts here and is long enough to be wrapped onto a", 660, True),
        L("second line with a hyphen-", 646), L("ated word.", 632), L("Second paragraph.", 600, True),
        L("Page 1", 40, True),
    ]])
    res = clean_pdf(pdf, title="Title of the release")
    assert res.body == ("Munich. The first paragraph starts here and is long enough to be wrapped onto a second line "
                        "with a hyphenated word.\n\nSecond paragraph.")
