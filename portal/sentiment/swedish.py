"""Swedish: a cue lexicon of its own (TextBlob's lexicon is English only).

Swedish writes many words together ("jättebesviken", "supernöjd") and puts "inte" after the
verb ("fungerar inte", "kom inte"): intensifying prefixes are matched as part of a word, and
the common verb + "inte" complaints are phrases. A comment none of this matches is not
scored neutral silently: it goes to a person (see `portal.sentiment.analyze`).
"""

from __future__ import annotations

from portal.sentiment.lexicon import (
    COMPLAINT,
    NEUTRAL,
    PRAISE,
    RESOLVED,
    SARCASM,
    SARCASM_IF_NEGATIVE,
    Entry,
    Lexicon,
    words,
)

_W = r"(?: (?!inte\b|ej\b|aldrig\b|ännu\b)\w+)"
_COUNT = r"(?:\d+|en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio|flera|många|några)"
_VERB_NOT = (
    r"(?:fungerar|funkar|fungerade|funkade|stämmer|stämde|passar|passade|håller|höll|går|gick"
    r"|kom|kommer|svarar|svarade|hördes|levererades|blev|räcker|duger|öppnas|stängs|startar"
    r"|lyser|tänds|laddar|sitter|syns|matchar|motsvarar|fäller|sänks|höjs|låser|åker|rör sig"
    r"|ringde|hörde|fick|får|lyssnar|lyssnade|brydde|bryr|dök|dyker)"
)

ENTRIES: list[Entry] = [
    # --- sarcasm -------------------------------------------------------------------------
    (
        r"tack för (?:ingenting|inget|inte mycket)|ja,? visst|ja,? säkert|jo,? tjena"
        r"|jo,? jag tackar",
        -0.8,
        SARCASM,
    ),
    (
        r"(?:åh|oj|wow),? (?:vad |så )?(?:bra|toppen|kul|fint|snyggt|smidigt"
        r"|perfekt|underbart|härligt)|snyggt jobbat|bra jobbat|verkligen (?:toppen"
        r"|bra|proffsigt|imponerande|smidigt|snabbt)|vilken service|lysande|härligt",
        -0.5,
        SARCASM_IF_NEGATIVE,
    ),
    # --- idioms of praise that hold a negation --------------------------------------------
    (
        r"inga (?:som helst )?problem(?: alls)?|inget (?:att )?(?:klaga på"
        r"|anmärka på|fel)|inga (?:fel|konstigheter|skador|repor|klagomål)"
        r"|utan (?:problem|krångel|strul|anmärkning)",
        0.7,
        PRAISE,
    ),
    (
        r"(?:kan|går|kunde) inte (?:klaga|bli bättre|vara (?:bättre|nöjdare"
        r"|gladare))|bättre än (?:väntat|förväntat)|över (?:förväntan|förväntningarna"
        r"|förväntningar)|överträffade",
        0.8,
        PRAISE,
    ),
    # --- neutral phrases -----------------------------------------------------------------
    (
        r"varken(?: \w+)? eller(?: \w+)?|blandade känslor|inte (?:bra|dåligt),? inte (?:bra"
        r"|dåligt)",
        0.0,
        NEUTRAL,
    ),
    (
        r"inget (?:mer |annat )?att (?:tillägga|säga|rapportera)|inga kommentarer"
        r"|ingen kommentar|vet inte|vet ej|osäker|för tidigt att säga|får se|återstår att se",
        0.0,
        NEUTRAL,
    ),
    # --- problems solved -----------------------------------------------------------------
    (
        rf"(?:återbetalningen|pengarna|ersättningen|krediteringen|den nya|nya delen"
        rf"|delen|reservdelen|ersättningsprodukten)(?:{_W}){{0,2}} (?:har kommit"
        rf"|kom|kommit|är här|anlände|passade|passar|fungerar|gick igenom)",
        0.6,
        RESOLVED,
    ),
    (
        r"(?:nu |det )?(?:fungerar|funkar) (?:det |den )?(?:nu|igen|perfekt"
        r"|bra|fint|utmärkt)|nu (?:fungerar|funkar)|(?:allt|problemet|det) (?:är )?(?:löst"
        r"|fixat|ordnat)",
        0.6,
        RESOLVED,
    ),
    (r"löst|fixat|fixad|fixade|åtgärdat|åtgärdad|ordnat|lagad|lagat|lagade", 0.5, RESOLVED),
    # --- waiting, silence, chasing -------------------------------------------------------
    (
        r"aldrig mer|aldrig igen|sista gången|(?:handlar|köper|beställer) (?:aldrig"
        r"|inte) (?:här|hos er|av er|mer|igen)",
        -1.0,
        COMPLAINT,
    ),
    (
        r"aldrig (?:kom|kommit|fick|fått|svarade|svarat|ringde|ringt|levererades"
        r"|hördes|återkom|återkommit|hört|hörde)",
        -0.9,
        COMPLAINT,
    ),
    (
        r"väntar (?:fortfarande|fortf|ännu|still)|fortfarande (?:inte|ingen"
        r"|inget|inga|ej|väntar|trasig\w*|sönder|fel|kvar|ingenting|utan)|har (?:fortfarande "
        r"|ännu )?(?:inte|ej|aldrig) (?:fått|kommit|hört|sett|blivit|levererats"
        r"|levererat|svarat|ringt|återkommit|återbetalats|fixats|lagats|åtgärdats)|ännu inte",
        -0.9,
        COMPLAINT,
    ),
    (
        rf"{_VERB_NOT}(?: \w+)? (?:inte|ej|aldrig)(?: upp)?|slutade (?:fungera"
        rf"|funka|fungerar|gå|lysa|laddas)",
        -0.8,
        COMPLAINT,
    ),
    (
        r"ingen(?: har| som)? (?:svarat|svarar|svarade|ringt|ringer|ringde"
        r"|hört av sig|hörde av sig|hör av sig|återkommit|återkom|återkommer"
        r"|kom|kommit|brydde sig|bryr sig|informerade|informerat|meddelade"
        r"|meddelat|sa|berättade|kontaktade|kontaktat|tar ansvar|tog ansvar"
        r"|bad om ursäkt|ber om ursäkt|hjälper|hjälpte|verkar|vet|visste|lyssnar|lyssnade)",
        -0.8,
        COMPLAINT,
    ),
    (
        r"inget (?:svar|besked|återkoppling|meddelande|samtal|mejl|mail|sms)"
        r"|ingen (?:återkoppling|information|info|feedback|ursäkt|förklaring"
        r"|kontakt|hjälp|lösning)|utan (?:förvarning|förklaring|att (?:meddela"
        r"|informera|höra av sig|ringa))|det (?:har varit|är|blev) (?:helt )?tyst|tyst från er",
        -0.7,
        COMPLAINT,
    ),
    (
        r"(?:andra|tredje|fjärde|femte|sjätte|\d+:e) gången|(?:två|tre|fyra"
        r"|fem|flera|många|\d+) gånger|gång på gång|om och om igen",
        -0.7,
        COMPLAINT,
    ),
    (
        r"(?:köper|handlar|beställer|återkommer)(?: \w+)? (?:gärna )?igen"
        r"|kommer (?:att )?handla(?: \w+)? igen|återkommer gärna",
        0.6,
        PRAISE,
        -0.9,
    ),
    (r"igen", -0.2, COMPLAINT),
    (r"jaga\w*|tjata\w*|påminn\w*", -0.6, COMPLAINT),
    (
        r"ring (?:mig|oss|tillbaka)|hör av er|höra av er|kontakta (?:mig|oss)"
        r"|kan någon (?:snälla )?(?:svara|ringa|höra av sig|återkomma|hjälpa)"
        r"|återkomma|återkom(?! med)",
        -0.5,
        COMPLAINT,
    ),
    (
        r"vänligen (?:rätta|åtgärda|korrigera|makulera|kreditera|ersätt|byt"
        r"|ordna|återkom)|rätta till|åtgärda|hur löser vi|vad händer|var är (?:min"
        r"|mina|vår|våra)|hur länge (?:ska|måste)|varför",
        -0.5,
        COMPLAINT,
    ),
    # --- delays ----------------------------------------------------------------------------
    (
        rf"försen\w*|sen leverans|(?:kom|levererades|kommer) (?:\w+ )?sent|för sent"
        rf"|{_COUNT} (?:dagar|veckor|månader|timmar) (?:för )?sent|dröj\w*|(?:dagar"
        rf"|veckor|månader) istället för|i stället för (?:\w+ )?(?:dagar|veckor"
        rf"|månader)|flyttats|skjutits upp|skjuts upp|uppskjut\w*",
        -0.7,
        COMPLAINT,
    ),
    (
        rf"(?:tog|tagit|väntat(?: i)?|över|mer än|nästan|snart) {_COUNT} (?:veckor"
        rf"|vecka|månad|månader)",
        -0.5,
        COMPLAINT,
    ),
    (
        r"lovade\w*|lovat|utlova\w*|skulle ha (?:kommit|levererats|ringt|hört av sig"
        r"|varit)|skulle (?:komma|levereras|ringa|höra av sig)",
        -0.5,
        COMPLAINT,
    ),
    # --- money -----------------------------------------------------------------------------
    (
        r"pengarna tillbaka|pengar tillbaka|återbetal\w*|ersättning|kompensation"
        r"|kreditera\w*|kreditfaktura|häva köpet|häver köpet|hävning|häva",
        -0.7,
        COMPLAINT,
    ),
    (
        r"reklamation\w*|reklamer\w*|klagomål|klaga\w*|anmäl\w*|arn|allmänna reklamationsnämnden"
        r"|konsumentverket|konsumentombudsmannen|jurist|advokat",
        -0.8,
        COMPLAINT,
        0.5,
    ),
    (
        r"returnera\w*|retur\w*|skicka tillbaka|byta ut|avbeställ\w*|avboka\w*"
        r"|makulera\w*|annullera\w*|stornera\w*",
        -0.6,
        COMPLAINT,
    ),
    (
        r"debiter\w* (?:två gånger|dubbelt|för mycket|fel|för)|dubbeldebiter\w*"
        r"|två fakturor|dubbla fakturor|dubbelfakturer\w*|fel (?:belopp|pris)"
        r"|för mycket|överdebiter\w*|extra avgift|dold avgift",
        -0.7,
        COMPLAINT,
    ),
    # --- the goods -------------------------------------------------------------------------
    (
        r"gått sönder|gick sönder|trasig\w*|sönder|skadad\w*|skador|skada|buckl\w*"
        r"|repa|repor|repad\w*|repig\w*|spricka|sprickor|sprucken|spräckt|sprack"
        r"|fläck\w*|smutsig\w*|krossad\w*|bruten|böjd|böjt|defekt\w*|felaktig\w*",
        -0.7,
        COMPLAINT,
    ),
    (
        r"vinglar|vinglig\w*|vingel|glapp\w*|knarr\w*|gnissl\w*|skraml\w*|skakar"
        r"|skakig\w*|ostadig\w*|instabil\w*|lossnat|lossnar|lossnade|lös|sjunker"
        r"|sjönk|sviktar|slitet|sliten|nött|nöts|nötas|luktar|stinker|mögel"
        r"|blöt\w*|fuktskad\w*|missfärgad\w*|sned|snett|ojämn\w*|fastnar|kärvar"
        r"|kärvade|hackar|piper|oljud|låter(?: \w+)? (?:illa|mycket|konstigt)",
        -0.7,
        COMPLAINT,
    ),
    (
        r"saknas|saknade\w*|saknar|fattas|fattades|(?:kom|levererades) utan"
        r"|fel (?:färg|storlek|modell|vara|varor|produkt|sort|antal|adress"
        r"|del|delar|mått|leverans|tyg|kulör|skruvar|artikel|sida)|fel",
        -0.7,
        COMPLAINT,
    ),
    (
        r"obekväm\w*|hård|hårt|ont i|för (?:liten|litet|små|stor|stort|stora"
        r"|låg|lågt|hög|högt|mörk|mörkt|ljus|ljust|mjuk|hård|tunn|tunt)",
        -0.6,
        COMPLAINT,
    ),
    (r"(?:alldeles |för |väldigt )?dyrt|överpris\w*|inte värd\w*|inte värt", -0.7, COMPLAINT, 0.4),
    # --- service, feelings ---------------------------------------------------------------
    (
        r"otrevlig\w*|oförskämd\w*|ohövlig\w*|arrogant\w*|nonchalant\w*|sur"
        r"|surt|sura|dryg|oproffsig\w*|oprofessionell\w*|inkompetent\w*|slarvig\w*"
        r"|slarv|lade på|ignorer\w*",
        -0.7,
        COMPLAINT,
    ),
    (
        r"värdelös\w*|usel\w*|urusel\w*|kass|kasst|dålig\w*|sämst\w*|sämre"
        r"|oacceptab\w*|bedrövlig\w*|katastrof\w*|skandal\w*|skämt|pinsamt"
        r"|hemsk\w*|fruktansvärd\w*|förfärlig\w*|horribel\w*|vidrig\w*|slöseri"
        r"|bortkastad\w*|lurad\w*|lurade|lögn\w*|ljög|vilseledande",
        -0.8,
        COMPLAINT,
        0.4,
    ),
    (
        r"besvik\w*|missnöjd\w*|missnöje|irriter\w*|frustrer\w*|arg|arga|förbannad\w*"
        r"|upprörd\w*|trött på|less på|ångrar",
        -0.8,
        COMPLAINT,
    ),
    (
        r"inte (?:vad|det|den|som) (?:vi|jag) (?:beställde|beställt|kom överens om"
        r"|förväntade oss|förväntade mig|betalade för|blev lovade)",
        -0.8,
        COMPLAINT,
    ),
    (
        r"omöjlig\w*|svårt att (?:nå|få tag|komma fram)|kommer inte fram|uteblev"
        r"|uteblivit|utebliven|uteblivna",
        -0.7,
        COMPLAINT,
    ),
    (r"reva|revor|hål i|söndrig\w*|blinkar|flimrar", -0.7, COMPLAINT),
    (
        r"skräp\w*|ruttet|orimlig\w*|oseriös\w*|otydlig\w*|långsam\w*|seg|glömde"
        r"|glömt|försvann|försvunnen|försvunnit|(?:prata|tala) med (?:en )?(?:chef"
        r"|ansvarig)|ingen ordning",
        -0.6,
        COMPLAINT,
    ),
    (
        r"krångl\w*|strul\w*|bökig\w*|omständlig\w*|hopplös\w*|kaos|kaotisk\w*"
        r"|rörig\w*|problem\w*|tyvärr|synd|tråkigt|jobbigt|fick (?:själv|vi själva|jag själv)",
        -0.4,
        COMPLAINT,
    ),
    # --- praise ----------------------------------------------------------------------------
    (r"(?:varmt )?rekommender\w*", 0.6, PRAISE, -0.9),
    (
        r"tack(?:ar|sa)?(?: så mycket| för hjälpen| för snabb hjälp| för all hjälp"
        r"| för er hjälp)?|stort tack|tusen tack|uppskatta\w*|tacksam\w*",
        0.5,
        PRAISE,
    ),
    (
        r"(?:allt )?i (?:sin )?ordning|fick (?:bra |snabb |direkt )?hjälp|hjälp direkt"
        r"|direkt hjälp",
        0.5,
        PRAISE,
    ),
    (r"precis (?:vad|det) (?:vi|jag) (?:behövde|ville ha|letade efter)", 0.6, PRAISE),
    (
        r"i (?:god )?tid|före utlovad tid|tidigare än|välpackad\w*|väl (?:paketerad"
        r"|packad)\w*|felfri\w*|(?:hög|god|bra|fin|toppen) kvalitet|värd(?:a)? (?:varenda"
        r"|varje|pengarna|det)|värt (?:varenda|varje|pengarna|det)|lätt att (?:montera"
        r"|bygga|ställa|använda)|lättmonterad\w*",
        0.5,
        PRAISE,
    ),
    (
        r"snabb\w*|smidig\w*|trevlig\w*|hjälpsam\w*|vänlig\w*|proffsig\w*|professionell\w*"
        r"|prisvärd\w*|prisvärt|enkel|enkelt|enkla|tillmötesgående|serviceinriktad\w*"
        r"|effektiv\w*|trygg\w*|pålitlig\w*|skön\w*|bekväm\w*|stabil\w*|gedigen"
        r"|gediget|robust\w*|tyst\w*|snygg\w*|mysig\w*",
        0.4,
        PRAISE,
    ),
    (
        r"nöjd\w*|toppen|topp|perfekt\w*|utmärkt\w*|fantastisk\w*|underbar\w*"
        r"|suverän\w*|kanon\w*|grym\w*|bäst\w*|älska\w*|glad\w*|imponera\w*|positiv\w*",
        0.6,
        PRAISE,
    ),
    (r"bra|bättre|fin|fint|fina", 0.4, PRAISE),
    # --- neutral words -----------------------------------------------------------------------
    (r"som (?:förväntat|väntat|beskrivet|utlovat|på bilden|beställt|avtalat)", 0.0, NEUTRAL),
    (
        r"okej|ok|helt ok|godkänt|godkänd|duger|medel|medelmåttig\w*|sådär"
        r"|så där|gör sitt jobb|gör vad (?:den|de) ska|standard|normal\w*|hyfsa\w*|acceptab\w*",
        0.0,
        NEUTRAL,
    ),
]

LEXICON = Lexicon(
    ENTRIES,
    negators=words("inte ej icke aldrig ingen inget inga utan knappast"),
    intensifiers=words(
        """mycket väldigt jätte riktigt verkligen otroligt extremt helt så sjukt oerhört enormt
        fruktansvärt hemskt totalt ytterst galet grymt supert"""
    ),
    diminishers=words("lite aningen ganska någorlunda småaktigt"),
    clause_breaks=("men", "dock"),
    prefixes=("jätte", "super", "mega", "skit", "kanon", "sjukt"),
)

QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00bb": '"'})


def normalise(text: str) -> str:
    return text.lower().translate(QUOTES)
