"""Cleaning rules on the shapes of PRESSCLUB.md §1.4-1.5: headers/footers, hyphenation, boilerplate."""

from __future__ import annotations

from presstune.corpus.boilerplate import is_disclaimer
from presstune.corpus.clean import (
    clean_html,
    clean_pdf,
    join_lines,
    remove_boilerplate,
    remove_running_lines,
)
from presstune.corpus.extract import Line, PdfText


def page(*texts: str) -> list[Line]:
    return [Line(text=t) for t in texts]


def test_running_headers_footers_and_page_numbers_are_learned_per_document():
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
    body = [f"Body sentence {w} of the article, which is long enough to be real text." for w in words]
    pages = [
        page(
            "Media Information",
            "Date 5 December 2025",
            "Subject New BMW iX3 at the IAA",
            "Page 1",
            *body[:4],
            "Rolls-Royce Motor Cars Limited · The Drive · Goodwood",
            "Page 1 of 3",
        ),
        page(
            "Media Information",
            "Date 5 December 2025",
            "Subject New BMW iX3 at the IAA",
            "Page 2",
            *body[4:8],
            "Rolls-Royce Motor Cars Limited · The Drive · Goodwood",
            "Page 2 of 3",
        ),
        page(
            "Media Information",
            "Date 5 December 2025",
            "Subject New BMW iX3 at the IAA",
            "Page 3",
            *body[8:],
            "Rolls-Royce Motor Cars Limited · The Drive · Goodwood",
            "Page 3 of 3",
        ),
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
    pages = [
        page(
            "Presse- und Öffentlichkeitsarbeit",
            "Presse-Information",
            "Datum 5. Dezember 2025",
            "Thema Der neue BMW iX3",
            "Seite 1",
            "Der neue BMW iX3 wird in Debrecen gebaut.",
            "Firma Bayerische Motoren Werke Aktiengesellschaft · Postanschrift BMW AG, 80788 München",
            "Telefon +49 89 382-0",
            "Internet www.bmwgroup.com",
        )
    ]
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
    "BMW iX3 50 xDrive: WLTP energy consumption combined: 17,9–15,1 kWh/100 km; "
    "CO2 emissions combined: 0 g/km; CO2 class: A",
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
    body = (
        "Munich. The new model\n    is built at the plant\u00a0in Leipzig.\n\n  Second paragraph\n  wraps here.\n\n"
        "If you have any questions, please contact:\n\nAnna Example\nTel: +49 89 382 1\n\n"
        "The BMW Group\n\nWith its four brands BMW, MINI, Rolls-Royce and BMW Motorrad ..."
    )
    out = clean_html(body).body
    assert out == "Munich. The new model is built at the plant in Leipzig.\n\nSecond paragraph wraps here."


def test_clean_pdf_end_to_end_with_geometry():
    def L(t, top, gap=False):
        return Line(text=t, x0=72, x1=500, top=top, bottom=top - 10, gap_before=gap)

    pdf = PdfText(
        engine="test",
        pages=[
            [
                L("Corporate Communications", 800),
                L("Media Information", 770, True),
                L("Date 5 December 2025", 750),
                L("Subject Title of the release", 735),
                L("Title of the release", 700, True),
                L("Munich. The first paragraph starts here and is long enough to be wrapped onto a", 660, True),
                L("second line with a hyphen-", 646),
                L("ated word.", 632),
                L("Second paragraph.", 600, True),
                L("Page 1", 40, True),
            ]
        ],
    )
    res = clean_pdf(pdf, title="Title of the release")
    assert res.body == (
        "Munich. The first paragraph starts here and is long enough to be wrapped onto a second line "
        "with a hyphenated word.\n\nSecond paragraph."
    )


def test_line_short_because_a_long_word_wrapped_stays_in_its_paragraph():
    """A narrow column under a full-width title: lines such as "... Anbieter von" are short only
    because the next word ("Premium-Automobilen") did not fit. In a real PDF (wrapped by the
    replica's line breaker) no paragraph may split there, so the company-paragraph rule still
    sees the whole paragraph."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from presstune.corpus.extract import extract_pdf
    from presstune.replica.pdf import wrap

    body = (
        "München. Der neue BMW iX3 wird ab März 2026 im Werk Debrecen gebaut und kommt im Frühjahr zu den "
        "Händlern in Europa. Die Reichweite beträgt bis zu 805 Kilometer nach WLTP-Messverfahren."
    )
    company = (
        "Die BMW Group ist mit ihren vier Marken BMW, MINI, Rolls-Royce und BMW Motorrad einer der weltweit "
        "führenden Anbieter von Premium-Automobilen und -Motorrädern und bietet Premium-Finanz- und "
        "Mobilitätsdienstleistungen an. Das Produktionsnetzwerk umfasst über 30 Standorte weltweit."
    )
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(150, A4[1] - 150, "Der neue BMW iX3 wird in Debrecen gebaut und kommt nach Europa")
    y = A4[1] - 200
    c.setFont("Helvetica", 10)
    for par in (body, company):
        for line in wrap(par, 150):
            c.drawString(346, y, line)
            y -= 14
        y -= 8
    c.showPage()
    c.save()
    res = clean_pdf(extract_pdf(buf.getvalue()), title="Der neue BMW iX3 wird in Debrecen gebaut und kommt nach Europa")
    assert res.body == body
    assert res.removed["company"] == 1


def test_title_and_teaser_printed_without_gap_and_without_diacritics_are_removed():
    """The print font has no 'ř' (prints 'r'), and title and teaser sit without a gap, so they
    come out as one paragraph: both are still recognised as the repeated title/teaser."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from presstune.corpus.extract import extract_pdf

    title = "Felix Dvořák finishes fourth at the Superbike round in Most."
    teaser = "+++ BMW M1000RR +++ Superbike World Championship round in Most +++"
    body = (
        "Munich. Felix Dvorak finished fourth at the Superbike World Championship round in Most with the "
        "BMW M1000RR, after a strong race in difficult conditions."
    )
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 10)
    c.drawString(150, 700, title.replace("ř", "r"))
    c.drawString(150, 686, teaser)
    c.setFont("Helvetica", 10)
    cut = body.index(" with the")
    c.drawString(150, 660, body[:cut])
    c.drawString(150, 646, body[cut + 1 :])
    c.showPage()
    c.save()
    res = clean_pdf(extract_pdf(buf.getvalue()), title=title, subtitle=teaser)
    assert res.body == body
    assert res.removed["title"] == 1 and res.removed["subtitle"] == 1


def test_body_line_equal_to_a_title_line_on_another_page_is_not_a_running_line():
    """Two pages: "round in Fuji." ends the title at the top of page 1 and the body near the
    top of the short page 2. Not a running line (different heights); the learned footer, at the
    same height on both pages, still is."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from presstune.corpus.extract import extract_pdf

    footer = "Rolls-Royce Motor Cars Limited · The Drive · Goodwood"
    title = "Preview: the BMW M Hybrid V8 line-up for the FIA WEC round in Fuji."
    para1 = [
        f"Munich. Sentence {w} of the preview, which is long enough to look like body text on the page."
        for w in "one two three four five six seven eight".split()
    ]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(150, 700, "Preview: the BMW M Hybrid V8 line-up for the FIA WEC")
    c.drawString(150, 681, "round in Fuji.")
    c.setFont("Helvetica", 9)
    y = 640
    for line in para1:
        c.drawString(150, y, line)
        y -= 14
    c.setFont("Helvetica", 7)
    c.drawString(72, 50, footer)
    c.showPage()
    c.setFont("Helvetica", 9)
    c.drawString(150, 760, "Further information is available at www.press.bmwgroup.com and at the FIA WEC")
    c.drawString(150, 746, "round in Fuji.")
    c.setFont("Helvetica", 7)
    c.drawString(72, 50, footer)
    c.showPage()
    c.save()
    res = clean_pdf(extract_pdf(buf.getvalue()), title=title)
    assert res.body.endswith("at the FIA WEC round in Fuji.")
    assert footer not in res.body and "Preview" not in res.body
    assert res.removed["running_header_footer"] == 2


def test_german_date_at_a_line_start_is_not_a_numbered_list_item():
    """ "22. Juni 2025" starting a wrapped line is a date: the paragraph continues and the
    number stays. A real "1. " list item still becomes its own line."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from presstune.corpus.extract import extract_pdf

    lines = [
        "München. Der Vorstand der BMW AG hat Hannah Keller mit Wirkung zum",
        "22. Juni 2025 zur Leiterin des Werks Leipzig berufen, wo sie die Produktion",
        "der neuen Modelle verantwortet und das Team von mehr als 5.000 Menschen führt.",
    ]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica", 10)
    for i, text in enumerate(lines):
        c.drawString(72, 700 - 14 * i, text)
    c.drawString(72, 640, "1. Erster Punkt der Liste.")
    c.drawString(72, 626, "2. Zweiter Punkt der Liste.")
    c.showPage()
    c.save()
    res = clean_pdf(extract_pdf(buf.getvalue()))
    assert res.body == " ".join(lines) + "\n\nErster Punkt der Liste.\nZweiter Punkt der Liste."
