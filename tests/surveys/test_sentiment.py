"""Sentiment analysis: the rules one by one, the evaluation set's holdout part, and the
`flask portal score` command. Everything but the command test is pure (no database)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from portal.sentiment import LABELS, Analysis, analyze
from portal.sentiment.csvfile import CsvFormatError, score_csv
from portal.sentiment.english import is_english_word
from portal.sentiment.language import detect

EVAL_SET = Path(__file__).resolve().parents[2] / "bench" / "data" / "sentiment_eval.csv"


def eval_rows(split: str | None = None) -> list[dict[str, str]]:
    with EVAL_SET.open(encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if split in (None, r["split"])]


# --- rule by rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I am still waiting for the refund I was promised on the 3rd.", 'still waiting"'),
        ("Could someone please call me back, this is the third time I ask.", 'third time"'),
        ("Hi, is there any update on my order? I have not heard anything.", 'cue "any update"'),
        ("I sent two emails and nobody answered.", 'cue "nobody answered"'),
        ("Never again.", 'cue "never again"'),
        ("Please cancel my order.", 'cue "cancel my order"'),
        ("The desk arrived with a cracked top.", 'cue "cracked"'),
        ("We were charged twice for the same chairs.", 'cue "charged twice"'),
        ("Why does it take three weeks to answer an email?", 'cue "why does"'),
        ("I would appreciate a response to my previous email.", 'cue "my previous email"'),
    ],
)
def test_complaint_cues_make_a_polite_comment_negative(text, reason):
    result = analyze(text)
    assert result.label == "negative"
    assert any(reason[:-1] in r for r in result.reasons), result.reasons
    assert result.language == "en"


@pytest.mark.parametrize(
    ("text", "label", "reason"),
    [
        ("Not happy with the chair.", "negative", 'negated "happy"'),
        ("I would not recommend this desk.", "negative", 'cue "would not recommend"'),
        ("Not impressed.", "negative", 'negated "impressed"'),
        ("Not bad at all for the price.", "positive", 'cue "not bad at all"'),
        ("Arrived with no damage and nothing missing.", "positive", 'negated "missing"'),
        ("No complaints at all.", "positive", 'cue "no complaints at all"'),
        ("Couldn't be happier with it.", "positive", 'cue "could not be happier"'),
        ("The repair is not finished and it is still not fixed.", "negative", 'negated "fixed"'),
    ],
)
def test_negation(text, label, reason):
    result = analyze(text)
    assert result.label == label
    assert reason in result.reasons


def test_intensifiers_make_a_cue_heavier_and_diminishers_lighter():
    plain, very = analyze("I am disappointed."), analyze("I am very disappointed.")
    assert very.polarity < plain.polarity < 0
    assert 'intensified "very disappointed"' in very.reasons
    assert analyze("THIS IS UNACCEPTABLE").reasons == ['intensified "UNACCEPTABLE" (capitals)']
    # "a bit late" alone is too light to be a complaint; "late" is one.
    assert analyze("The delivery was a bit late.").label == "neutral"
    assert analyze("The delivery was late.").label == "negative"


def test_exclamation_marks_make_complaints_heavier():
    calm, shouted = analyze("The chair wobbles."), analyze("The chair wobbles!!!")
    assert shouted.polarity < calm.polarity < 0


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Thanks for nothing.", 'sarcasm "thanks for nothing"'),
        ("Yeah right, next day delivery. Took nine days.", 'sarcasm "yeah right"'),
        ("Great job... not.", 'sarcasm "... not"'),
        ("Wow, just great. The table is scratched.", 'sarcasm "wow, just great"'),
        ("Love how nobody answers the phone. Really impressed /s", 'sarcasm "/s"'),
        ("Ordered in March, still nothing 🙄", 'sarcasm "🙄"'),
        ("Thanks for the 'fast' delivery, only took you three weeks.", "sarcasm"),
    ],
)
def test_sarcasm_is_negative_and_flagged(text, marker):
    result = analyze(text)
    assert result.label == "negative"
    assert "sarcasm" in result.flags
    assert any(reason.startswith(marker) for reason in result.reasons), result.reasons


@pytest.mark.parametrize(
    "text",
    ["Great job, thank you!", "Love it!", "Wow, just great, exactly what we needed."],
)
def test_praise_without_a_complaint_is_not_sarcasm(text):
    result = analyze(text)
    assert result.label == "positive"
    assert "sarcasm" not in result.flags


@pytest.mark.parametrize(
    "text",
    [
        "Had a problem with a missing screw but they sent one the next day. Can't fault them.",
        "Yes, the new motor fixed it. Thanks for sorting it so quickly.",
        "One panel was damaged but no big deal, everything else was perfect.",
    ],
)
def test_a_problem_solved_is_not_a_complaint(text):
    assert analyze(text).label == "positive"


def test_a_mixed_comment_with_a_complaint_is_negative():
    result = analyze("Lovely sofa, but it took 9 weeks instead of 4 and nobody told us why.")
    assert result.label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Could you send the invoice as a PDF?",
        "Delivered to reception on Tuesday.",
        "Is there a problem with my payment? I got an automatic email.",
        "Can you deliver before 9 am? Our office opens late on Fridays.",
        "Please contact my colleague Sara about the delivery.",
        "ok",
        "Neither good nor bad.",
        "Not sure yet, ask me in a month.",
    ],
)
def test_questions_requests_and_facts_are_neutral(text):
    assert analyze(text).label == "neutral"


# Written while building the rules, after the holdout was set aside; not in the evaluation set.
KNOWN_MISS = pytest.mark.xfail(strict=True, reason="a complaint with no cue word: known miss")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("My order was supposed to arrive Monday. It's Thursday.", "negative"),
        ("I have emailed you 3 times now without an answer.", "negative"),
        (
            "Hello, I am contacting you again regarding invoice 4411 which is still incorrect.",
            "negative",
        ),
        ("The chair squeaks.", "negative"),
        ("The driver was lovely but the desk is missing two legs.", "negative"),
        ("I'd like to speak to a manager.", "negative"),
        ("Could you please tell me when I will get my money back?", "negative"),
        ("not impressed", "negative"),
        ("Pretty disappointing tbh", "negative"),
        ("I expected a call back yesterday, nobody rang.", "negative"),
        ("Great, another week of waiting.", "negative"),
        ("The product broke after 2 days!!!", "negative"),
        ("We are very unhappy with the service we received.", "negative"),
        ("Your customer service team keeps sending me in circles.", "negative"),
        ("It's been three weeks and the chair still hasn't been collected.", "negative"),
        ("The table arrived but the legs were for a different model.", "negative"),
        ("I was charged full price even though the sale was on.", "negative"),
        ("sofa is falling apart after 3 months", "negative"),
        ("The desk doesn't go up anymore.", "negative"),
        ("Awful.", "negative"),
        ("Seriously? Two months for a chair?", "negative"),
        ("Lovely, the drawer handle came off in my hand.", "negative"),
        ("Jag är inte alls nöjd med servicen.", "negative"),
        ("Ni har inte svarat på mitt mejl.", "negative"),
        ("Leveransen kom aldrig.", "negative"),
        ("Stolen är obekväm och ryggstödet går inte att justera.", "negative"),
        ("Vi har väntat i tre veckor nu.", "negative"),
        ("Skicka en ny eller ge oss pengarna tillbaka.", "negative"),
        ("Kundtjänst lade på luren.", "negative"),
        ("Please deliver to the back entrance.", "neutral"),
        ("Who do I contact about a bulk order?", "neutral"),
        ("We will need an invoice with our VAT number on it.", "neutral"),
        ("The chair was delivered on the 4th.", "neutral"),
        ("I'll write a longer review once I've used it for a while.", "neutral"),
        ("Är det möjligt att hämta ordern själv?", "neutral"),
        ("Stolen levererades i fredags.", "neutral"),
        ("Can I return an unopened item within 30 days?", "neutral"),
        ("Thanks for the fast response to my question.", "positive"),
        ("Very comfy!", "positive"),
        ("The assembly guy was a star.", "positive"),
        ("We were worried it wouldn't fit but it's perfect.", "positive"),
        ("Still as good as the day I bought it.", "positive"),
        ("No issues so far, solid desk.", "positive"),
        ("They called ahead, turned up on time and took the packaging with them.", "positive"),
        ("Jag är jättenöjd!", "positive"),
        ("Allt fungerade perfekt.", "positive"),
        ("Stolen är skön och ser bra ut.", "positive"),
        ("Snabbt svar från kundtjänst, tack.", "positive"),
        (
            "The problem with the wobbly leg was fixed on the first visit. Great technician.",
            "positive",
        ),
        ("The old desk will be thrown away, so no need to collect it.", "neutral"),
        ("We had to move the meeting, so please deliver on Wednesday instead.", "neutral"),
        ("I'm waiting for my manager to approve the second order.", "neutral"),
        ("Please cancel the reminder emails, I already answered the survey.", "neutral"),
        ("The delivery was scheduled for the 5th.", "neutral"),
        ("Do you sell replacement wheels for the chair?", "neutral"),
        ("Returned the survey as requested.", "neutral"),
        ("Kan ni leverera före lunch?", "neutral"),
        ("Vi behöver en kopia av fakturan.", "neutral"),
        ("Arrived damaged but they replaced it within two days, excellent service.", "positive"),
        ("Even the returns process was easy.", "positive"),
        ("I was nervous ordering online but no regrets.", "positive"),
        ("Honestly the best customer service I've dealt with.", "positive"),
        ("No scratches, no missing parts, great.", "positive"),
        ("Had doubts but the chair is fantastic.", "positive"),
        ("Delivery slot was respected to the minute.", "positive"),
        ("Inga konstigheter, allt gick smidigt.", "positive"),
        ("Trevlig chaufför som bar upp allt.", "positive"),
        ("You had one job.", "negative"),
        ("Delivered to the wrong building, driver couldn't be bothered to check.", "negative"),
        ("Still no sign of my order.", "negative"),
        ("I'm sorry but this is not acceptable.", "negative"),
        ("The instructions are impossible to follow.", "negative"),
        ("Third delivery attempt and still nothing.", "negative"),
        pytest.param(
            "We paid for express delivery and it came in the normal time.",
            "negative",
            marks=KNOWN_MISS,
        ),
        ("I have asked for an invoice correction twice.", "negative"),
        ("The chairs are nice but we only received four of six.", "negative"),
        ("Kvaliteten är sämre än förväntat.", "negative"),
        ("Ingen har återkommit angående min reklamation.", "negative"),
        ("Vi fick fel bord.", "negative"),
        ("Varför tar det så lång tid?", "negative"),
        ("Montören dök aldrig upp.", "negative"),
        (
            "Hej, vi har fortfarande inte fått någon faktura korrigerad trots flera påminnelser.",
            "negative",
        ),
        ("Soffan har en reva i tyget.", "negative"),
        pytest.param("Beställde en svart stol, fick en grå.", "negative", marks=KNOWN_MISS),
        ("Kundtjänst är omöjlig att nå.", "negative"),
        ("Nej, tyvärr är problemet kvar.", "negative"),
        ("Det här var inte vad vi kom överens om.", "negative"),
        ("Lampan blinkar hela tiden.", "negative"),
        ("Inte värt pengarna.", "negative"),
        ("Har ringt fyra gånger utan att få svar.", "negative"),
        ("Leveransen uteblev helt.", "negative"),
        ("Vi återkommer om fler stolar senare i vår.", "neutral"),
        ("Stolen är beställd till vår nya medarbetare.", "neutral"),
        ("Hur lång är garantin?", "neutral"),
        ("Skicka gärna orderbekräftelsen till ekonomi@example.se.", "neutral"),
        ("Allt var i sin ordning.", "positive"),
        ("Smidig beställning och snabb leverans.", "positive"),
        ("Väldigt nöjda på kontoret!", "positive"),
        ("Fick hjälp direkt när jag ringde.", "positive"),
        ("Felet åtgärdades snabbt, tack.", "positive"),
        ("The chair is great, the delivery not so much.", "negative"),
        ("Honestly? Not worth the hassle.", "negative"),
        ("Received the wrong invoice again, please sort it.", "negative"),
        ("Ordered 10, got 8, invoiced for 10.", "negative"),
        ("My emails are being ignored.", "negative"),
        ("Delivery men were in a rush and dinged the wall.", "negative"),
        ("The fabric pills after a few weeks of use, very poor for a premium sofa.", "negative"),
        ("I find it unacceptable that nobody informed us about the delay.", "negative"),
        ("Could you explain why my order has been split into three deliveries?", "negative"),
        ("Could you tell me whether the desk comes assembled?", "neutral"),
        ("Payment was made by bank transfer today.", "neutral"),
        ("We'd like to order the same chairs again for our Malmö office.", "neutral"),
        ("Good stuff.", "positive"),
        ("The staff at the showroom were super knowledgeable.", "positive"),
        ("Loving the new desk, thanks!", "positive"),
        ("Happy with the purchase, delivery was a bit slow but fine.", "positive"),
        ("What a difference a good chair makes!", "positive"),
        (
            "It was missing a screw but honestly no big deal, everything else was perfect.",
            "positive",
        ),
    ],
)
def test_examples(text, label):
    assert analyze(text).label == label


# --- Swedish --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "reason"),
    [
        ("Jag väntar fortfarande på min leverans.", "negative", 'Swedish cue "väntar fortfarande"'),
        ("Ingen svarade när jag ringde.", "negative", 'Swedish cue "ingen svarade"'),
        ("Ingen har hört av sig.", "negative", 'Swedish cue "ingen har hört av sig"'),
        ("Jag vill ha pengarna tillbaka.", "negative", 'Swedish cue "pengarna tillbaka"'),
        ("Aldrig mer.", "negative", 'Swedish cue "aldrig mer"'),
        ("Det är tredje gången jag skriver.", "negative", 'Swedish cue "tredje gången"'),
        ("Stolen var trasig.", "negative", 'Swedish cue "trasig"'),
        ("Leveransen blev försenad.", "negative", 'Swedish cue "försenad"'),
        ("Lampan fungerar inte.", "negative", 'Swedish cue "fungerar inte"'),
        ("Inte nöjd.", "negative", 'Swedish negated "nöjd"'),
        ("Jättebesviken på servicen.", "negative", 'Swedish intensified "jättebesviken"'),
        ("Tack för ingenting.", "negative", 'Swedish sarcasm "tack för ingenting"'),
        ("Inga problem alls, tack!", "positive", 'Swedish cue "inga problem alls"'),
        ("Mycket nöjd med stolen.", "positive", 'Swedish intensified "mycket nöjd"'),
        ("Toppen!", "positive", 'Swedish cue "toppen"'),
        ("Helt okej.", "neutral", 'Swedish neutral "okej"'),
    ],
)
def test_swedish_cues(text, label, reason):
    result = analyze(text)
    assert result.language == "sv"
    assert result.label == label
    assert reason in result.reasons, result.reasons


@pytest.mark.parametrize(
    "text", ["Det är en stol.", "Levererades till receptionen.", "Vilken garanti gäller?"]
)
def test_swedish_without_a_cue_goes_to_a_person(text):
    result = analyze(text)
    assert result.language == "sv"
    assert result.label == "neutral"
    assert result.needs_review
    assert result.reasons == ["Swedish text without a known cue: needs a person"]


def test_swedish_with_only_a_light_cue_goes_to_a_person_too():
    result = analyze("Kan ni skicka anvisningen igen?")
    assert result.label == "neutral"
    assert result.needs_review
    assert result.reasons[0] == "Swedish text without a decisive cue: needs a person"
    assert 'Swedish cue "igen"' in result.reasons
    assert not analyze("Helt okej.").needs_review  # a neutral word is a decision


def test_swedish_is_never_scored_by_the_english_lexicon():
    # "bra" and "fin" mean nothing to TextBlob; "super" would be English praise.
    assert analyze("Bra och fin stol.").label == "positive"
    assert analyze("Den är inte bra.").label == "negative"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The chair arrived on time.", "en"),
        ("Stolen kom i tid och allt var bra.", "sv"),
        ("Skrivbordet är jättefint", "sv"),
        ("Great!", "en"),
        ("12345", "unknown"),
        ("Das ist schlecht.", "unknown"),
    ],
)
def test_language_detection(text, language):
    assert detect(text, is_english_word) == language


def test_a_comment_in_neither_language_goes_to_a_person():
    result = analyze("Das Sofa ist kaputt.")
    assert result.language == "unknown"
    assert result.needs_review


# --- ratings ------------------------------------------------------------------------------


@pytest.mark.parametrize("satisfaction", [1, 2])
def test_a_low_satisfaction_is_negative_whatever_the_words(satisfaction):
    result = analyze("Delivered on Tuesday.", satisfaction=satisfaction)
    assert result.label == "negative"
    assert result.reasons[0] == f"rating {satisfaction}/5"
    assert not result.flags


def test_a_low_rating_with_praise_is_negative_and_flagged():
    result = analyze("Great chair, love it!", satisfaction=1)
    assert result.label == "negative"
    assert result.flags == ["mixed"]
    assert result.needs_review


@pytest.mark.parametrize("satisfaction", [4, 5])
def test_a_high_rating_with_an_angry_comment_stays_negative_and_is_flagged(satisfaction):
    result = analyze("Still waiting for my refund, nobody answers.", satisfaction=satisfaction)
    assert result.label == "negative"
    assert "mixed" in result.flags
    assert result.needs_review
    assert any("but the comment reads negative" in r for r in result.reasons)


def test_a_high_rating_makes_a_neutral_comment_positive():
    result = analyze("Delivered on Tuesday.", satisfaction=5)
    assert result.label == "positive"
    assert "rating 5/5" in result.reasons


@pytest.mark.parametrize(
    ("recommend", "label"), [(0, "negative"), (3, "negative"), (5, "neutral"), (6, "neutral")]
)
def test_recommend_alone_is_negative_only_from_0_to_3(recommend, label):
    assert analyze("Delivered on Tuesday.", recommend=recommend).label == label


def test_recommend_5_or_6_with_a_complaint_is_negative_by_the_words():
    assert analyze("The table is scratched.", recommend=6).label == "negative"


def test_ratings_that_disagree_are_flagged():
    result = analyze("Delivered on Tuesday.", satisfaction=5, recommend=1)
    assert result.flags == ["mixed"]
    assert result.needs_review


@pytest.mark.parametrize(
    ("satisfaction", "recommend", "label"),
    [(1, None, "negative"), (3, None, "neutral"), (5, None, "positive"), (None, 10, "positive")],
)
def test_empty_comment_is_labelled_by_the_ratings(satisfaction, recommend, label):
    result = analyze("", satisfaction=satisfaction, recommend=recommend)
    assert result.label == label
    assert "no comment" in result.reasons
    assert not result.needs_review


@pytest.mark.parametrize("text", [None, "", "   ", "-", "\n"])
def test_empty_comment_and_no_rating_needs_a_person(text):
    result = analyze(text)
    assert result == Analysis(
        "neutral", 0.0, ["no comment and no rating: nothing to analyse"], "unknown", True, []
    )


@pytest.mark.parametrize(
    ("satisfaction", "recommend"), [(0, None), (6, None), (None, -1), (None, 11), ("5", None)]
)
def test_ratings_out_of_range_are_refused(satisfaction, recommend):
    with pytest.raises(ValueError, match="must be an integer"):
        analyze("ok", satisfaction=satisfaction, recommend=recommend)


# --- invariants over the whole evaluation set ---------------------------------------------


RATINGS = [(None, None), (1, None), (3, 7), (5, None), (None, 2), (None, 10), (5, 1)]


def test_every_analysis_is_well_formed():
    for row in eval_rows():
        for satisfaction, recommend in RATINGS:
            result = analyze(row["text"], satisfaction, recommend)
            assert result.label in LABELS
            assert -1.0 <= result.polarity <= 1.0
            assert result.language in ("en", "sv", "unknown")
            assert result.reasons, row["text"]
            if result.label == "negative":
                assert result.polarity < 0, row["text"]
            elif result.label == "positive":
                assert result.polarity > 0, row["text"]


def test_language_of_the_evaluation_set():
    wrong = [r["text"] for r in eval_rows() if r["language"] == "sv"]
    wrong = [t for t in wrong if analyze(t).language != "sv"]
    assert not wrong


# --- accuracy on the holdout part -----------------------------------------------------------


def test_holdout_recall_and_precision_of_negative():
    """The holdout rows were written before the rules and never tuned against
    (bench/data/README.md); bench/sentiment.py prints the full figures."""
    rows = eval_rows("holdout")
    assert len(rows) >= 120
    got = [analyze(r["text"]).label for r in rows]
    expected = [r["label"] for r in rows]
    true_positives = sum(e == g == "negative" for e, g in zip(expected, got, strict=True))
    recall = true_positives / expected.count("negative")
    precision = true_positives / got.count("negative")
    assert recall >= 0.90, recall
    assert precision >= 0.80, precision


def test_the_evaluation_set_is_as_described():
    rows = eval_rows()
    assert len(rows) >= 400
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["label"] for r in rows} == set(LABELS)
    assert sum(r["label"] == "negative" for r in rows) >= 0.35 * len(rows)
    assert sum(r["language"] == "sv" for r in rows) >= 0.15 * len(rows)
    assert all(r["source"] and r["split"] in ("dev", "holdout") for r in rows)
    holdout = sum(r["split"] == "holdout" for r in rows) / len(rows)
    assert 0.25 <= holdout <= 0.35


# --- scoring a CSV --------------------------------------------------------------------------


def test_score_csv_keeps_the_rows_and_adds_the_analysis():
    source = io.StringIO("\ufeffid;Comment\n1;Still waiting for my refund\n2;\n3;Toppen!\n")
    out = io.StringIO()
    summary = score_csv(source, out, "comment")
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    assert rows[0] == ["id", "Comment", "label", "polarity", "reasons", "language", "needs_review"]
    assert rows[1][:4] == ["1", "Still waiting for my refund", "negative", "-1.000"]
    assert rows[1][4] == 'cue "still waiting"; cue "refund"'
    assert rows[2] == ["2", "", "neutral", "0.000", rows[2][4], "unknown", "true"]
    assert rows[3][2:4] == ["positive", "0.600"]
    assert rows[3][5] == "sv"
    assert summary.rows == 3
    assert summary.labels == {"negative": 1, "neutral": 1, "positive": 1}


def test_score_csv_names_the_available_columns_when_one_is_missing():
    with pytest.raises(CsvFormatError, match=r'no column "text"\. Available columns: "id", "body"'):
        score_csv(io.StringIO("id,body\n1,hello\n"), io.StringIO(), "text")


def test_score_csv_does_not_overwrite_columns_of_the_same_name():
    out = io.StringIO()
    summary = score_csv(io.StringIO("text,label\nBroken,negative\n"), out, "text")
    assert out.getvalue().splitlines()[0] == (
        "text,label,score_label,polarity,reasons,language,needs_review"
    )
    assert summary.renamed == {"label": "score_label"}


def test_flask_portal_score(runner, tmp_path):
    source = tmp_path / "comments.csv"
    source.write_text(
        "id;text;rating\n1;Ingen har hört av sig.;2\n2;;5\n3;Fast delivery, thank you!;5\n",
        encoding="utf-8-sig",
    )
    scored = tmp_path / "scored.csv"
    result = runner.invoke(
        args=["portal", "score", str(source), "--column", "text", "--output", str(scored)]
    )
    assert result.exit_code == 0, result.output
    assert "Scored 3 rows: 1 negative, 1 neutral, 1 positive; 1 need a person." in result.output
    with scored.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert [r["label"] for r in rows] == ["negative", "neutral", "positive"]
    assert rows[0]["language"] == "sv"
    assert rows[0]["reasons"] == 'Swedish cue "ingen har hört av sig"'
    assert rows[1]["needs_review"] == "true"
    assert rows[2]["rating"] == "5"

    to_stdout = runner.invoke(args=["portal", "score", str(source), "--column", "text"])
    assert to_stdout.exit_code == 0
    assert to_stdout.stdout.startswith(
        "id;text;rating;label;polarity;reasons;language;needs_review"
    )

    missing = runner.invoke(args=["portal", "score", str(source), "--column", "comment"])
    assert missing.exit_code == 1
    assert 'no column "comment". Available columns: "id", "text", "rating".' in missing.output
