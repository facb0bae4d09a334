"""The English cue table: complaint, praise, solved-problem, neutral and sarcasm phrases.

Data only (see `portal.sentiment.lexicon` for how a table is matched). Within a position
the first matching entry wins, so longer phrases come before the words they contain, and
idioms that hold a negation ("couldn't be happier") before the negation rules see them.
Text is matched lower-cased with "n't" spelt out ("does not", "can not").
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
)

# Fillers that may sit inside a phrase but never a negation: "the refund has now arrived"
# yes, "the refund has not arrived" no.
_W = r"(?: (?!not\b|no\b|never\b|yet\b)[\w']+)"
_COUNT = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
    r"|twelve|several|many|a few|a couple of)"
)
_ORDINAL = (
    r"(?:second|third|fourth|fifth|sixth|seventh|2nd|3rd|4th|5th|6th|7th|\d+th|umpteenth|nth)"
)
_PRAISE_WORD = (
    r"(?:great|brilliant|fantastic|wonderful|perfect|lovely|excellent|superb"
    r"|marvell?ous|splendid|awesome|amazing|terrific|nice|super)"
)

ENTRIES: list[Entry] = [
    # --- sarcasm -------------------------------------------------------------------------
    (r"thanks? (?:you )?for nothing|said no ?one ever|yeah,? right|you had one job", -0.8, SARCASM),
    (
        r"(?:thanks|thank you)(?: \w+){0,2} for (?:wasting|ruining|leaving"
        r"|making me wait|the wait|nothing)",
        -0.8,
        SARCASM,
    ),
    (rf"only took (?:you |them )?(?:\w+ )?{_COUNT} (?:days|weeks|months)", -0.8, SARCASM),
    (r"yeah,? (?:great|brilliant|sure|thanks|nice|cheers)", -0.5, SARCASM_IF_NEGATIVE),
    (
        rf"(?:oh|wow|well),? (?:just |how |so |really )?(?:{_PRAISE_WORD}|joy|good|thanks)",
        -0.5,
        SARCASM_IF_NEGATIVE,
    ),
    (rf"just {_PRAISE_WORD}|just what (?:i|we) needed", -0.5, SARCASM_IF_NEGATIVE),
    (rf"^{_PRAISE_WORD}(?= ?[,.!])", -0.5, SARCASM_IF_NEGATIVE),
    (
        rf"(?:{_PRAISE_WORD}|good) (?:job|work|planning|going|one|effort|stuff)",
        -0.5,
        SARCASM_IF_NEGATIVE,
    ),
    (r"thanks a (?:lot|bunch|million)|thanks so much for", -0.5, SARCASM_IF_NEGATIVE),
    (r"(?:i )?(?:just |really )?love (?:it|that|how|the way|being)", -0.5, SARCASM_IF_NEGATIVE),
    (
        r"(?:really|very|so|most|super|truly) (?:impressed|helpful|appreciated"
        r"|useful|professional|kind)",
        -0.5,
        SARCASM_IF_NEGATIVE,
    ),
    (
        r"what a (?:surprise|shock)|how (?:nice|lovely|convenient|helpful)",
        -0.5,
        SARCASM_IF_NEGATIVE,
    ),
    # --- idioms of praise that contain a negation or a complaint word ---------------------
    (r"(?:could|can) not (?:be )?(?:happier|more (?:pleased|happy|satisfied))", 0.8, PRAISE),
    (r"(?:could|can) not ask for (?:more|better|anything more)", 0.7, PRAISE),
    (
        r"(?:could|can) not (?:fault|complain|recommend(?: \w+)? (?:enough|highly enough))",
        0.7,
        PRAISE,
    ),
    (
        r"never (?:felt|been|looked|sat|slept|worked) better|exactly what (?:i"
        r"|we) (?:needed|wanted|(?:was|were) looking for)",
        0.7,
        PRAISE,
    ),
    (
        r"can not say enough|nothing (?:to improve|bad to say|but praise)|not bad at all",
        0.7,
        PRAISE,
    ),
    (
        r"no (?:problems?|issues?|complaints?|regrets?|hassle|fuss|damage|scratch(?:es)?)"
        r"(?: (?:at all|whatsoever))?",
        0.6,
        PRAISE,
    ),
    (r"not (?:a|one) (?:single )?(?:problem|issue|complaint|scratch)", 0.6, PRAISE),
    (r"(?:without|with no) (?:any )?(?:problems?|issues?|hassle|fuss|damage)", 0.6, PRAISE),
    # --- neutral phrases that hold both praise and blame ----------------------------------
    (
        r"neither(?: [\w']+){1,2} nor(?: [\w']+)?|not (?:bad|great|good|terrible"
        r"|amazing),? (?:but )?not (?:bad|great|good|terrible|amazing)",
        0.0,
        NEUTRAL,
    ),
    (
        r"some (?:good|nice|great)(?: \w+)?,? (?:and |but )?some (?:bad|less good"
        r"|not so good|worse)(?: \w+)?|pros and cons",
        0.0,
        NEUTRAL,
    ),
    (
        r"(?:some )?(?:good|bad) (?:and|,|some) (?:some )?(?:good|bad|less good)"
        r"|mixed feelings|no strong feelings",
        0.0,
        NEUTRAL,
    ),
    (
        r"nothing special|nothing (?:more |else )?to (?:add|say|report)|no comments?"
        r"|no opinion|n/a|not applicable",
        0.0,
        NEUTRAL,
    ),
    (
        r"not sure|unsure|too early to (?:say|tell)|time will tell|(?:we|i) will see"
        r"|will see how|ask me (?:again )?(?:in|later)",
        0.0,
        NEUTRAL,
    ),
    (r"(?:opens?|closes?|closed|work|works|working|stay|stays|staying|open) late", 0.0, NEUTRAL),
    (
        r"(?:worried|afraid|feared|concerned|nervous|unsure|wondering|wondered) (?:if "
        r"|whether |that )?(?:it|they|this|that|the \w+) (?:would|might|could"
        r"|will) (?:not )?\w+",
        0.0,
        NEUTRAL,
    ),
    (
        r"(?:can|could) not believe|(?:thanks|thank you) in advance|i do not know"
        r"|do not know yet|idk",
        0.0,
        NEUTRAL,
    ),
    # --- problems solved -----------------------------------------------------------------
    (
        rf"(?:refund|money|payment|credit(?: note)?|replacement|new (?:one|part"
        rf"|\w+))(?:{_W}){{0,2}} (?:came|has come|have come|arrived|has arrived"
        rf"|have arrived|went through|came through|has gone through|was processed"
        rf"|has been processed|is here|turned up)",
        0.6,
        RESOLVED,
    ),
    (
        r"got (?:my|our|a|the|a full) (?:money|refund|replacement)|refunded (?:me "
        r"|us )?(?:quickly|promptly|straight away|immediately|within|the same day|in full)",
        0.6,
        RESOLVED,
    ),
    (
        r"(?:to be|get (?:it|this|them)|have (?:it|this|them)|want (?:it|this"
        r"|them)|needs?(?: to be)?|will be|should be|until (?:it is|this is)) (?:fixed"
        r"|sorted|resolved|repaired|replaced|solved)",
        -0.5,
        COMPLAINT,
    ),
    (
        r"no (?:big )?deal|not a (?:big )?deal|no worries|no harm done|never mind"
        r"|(?:but|though) (?:it'?s |that'?s |it is |that is |it was |all )?(?:fine"
        r"|ok|okay|alright)",
        0.2,
        RESOLVED,
    ),
    (
        r"works (?:fine|perfectly|great|again|now)|working (?:fine|perfectly"
        r"|again|now)|now works|now working|all good now|good as new|fine now|problem solved",
        0.6,
        RESOLVED,
    ),
    (
        r"(?:all |everything |it is |it was |that was )?(?:sorted|resolved"
        r"|solved|fixed|rectified|taken care of|dealt with)(?: out)?",
        0.5,
        RESOLVED,
    ),
    (
        r"(?:sent|send|brought|posted|shipped) (?:me |us )?(?:a |an |one |another "
        r"|the )?(?:[\w-]+ ){0,2}(?:right away|straight away|the next day|the same day"
        r"|immediately|quickly|promptly|within|at once)",
        0.5,
        RESOLVED,
    ),
    (
        r"(?:replac(?:ed|ing)|repair(?:ed|ing)|swapp(?:ed|ing)|exchang(?:ed"
        r"|ing)|sorting|fixing) (?:it|them|the|my|our|both)(?: \w+)?(?: (?:quickly"
        r"|promptly|straight away|immediately|right away|the next day|within|the same day))?",
        0.4,
        RESOLVED,
    ),
    (
        r"(?:sent|send|brought) (?:me |us )?(?:a |one|another|the )?(?:new"
        r"|replacement|spare|missing|one)(?: \w+)?",
        0.4,
        RESOLVED,
    ),
    # --- waiting, silence, chasing -------------------------------------------------------
    (
        r"never again|never buying|never (?:buy|order|use|shop)(?:ing)? (?:here"
        r"|from|with|there|again)",
        -1.0,
        COMPLAINT,
    ),
    (
        r"never (?:arrived|came|showed up|showed|turned up|got back|gets back"
        r"|called|rang|answered|replied|responded|received|heard|delivered"
        r"|told|informed|comes|fixed|happened|got|sent|returned|refunded|materiali[sz]ed)",
        -0.9,
        COMPLAINT,
    ),
    (
        r"still (?:waiting|wait|no|nothing|not|have not|has not|had not|does not"
        r"|do not|did not|is not|was not|can not|broken|missing|faulty|damaged"
        r"|unresolved|outstanding|pending|the same|without)",
        -0.9,
        COMPLAINT,
    ),
    (
        r"(?:i am|i'm|we are|we're|am|are|been|keep|kept|sitting here) (?:still )?waiting"
        r"(?! for (?:my|our|a|the) (?:manager|boss|colleague|approval|budget|decision|partner))"
        r"|waiting (?:for|on) (?:over|more than|almost|nearly|weeks|months|ages)",
        -0.7,
        COMPLAINT,
    ),
    (
        r"(?:have|has|had) not (?:yet |even )?(?:heard|received|got|gotten"
        r"|had (?:a |any )?(?:reply|response|answer|update|news|word|call|callback"
        r"|refund|explanation|apology)|seen|arrived|come|been (?:delivered"
        r"|contacted|refunded|fixed|resolved|called|answered|informed|told|collected))",
        -0.8,
        COMPLAINT,
    ),
    (
        r"(?:did|does|do|was|were|is|are|has|have|will|would|can|could) not (?:even )?(?:arrive"
        r"|come|show|turn up|call|ring|answer|reply|respond|get back|work|fit"
        r"|match|close|shut|open|turn on|switch on|charge|connect|stay|hold"
        r"|lock|roll|line up|stand|move|go|get|include|tell|inform|notify|warn"
        r"|care|listen|help|bother|deliver|finish|have the right|look like"
        r"|wipe|clean|come off|know|understand|seem to|adjust|use|sit|raise"
        r"|lower|reach|get hold)",
        -0.8,
        COMPLAINT,
    ),
    (
        # issue 11, third round: "I don't like this Nokia", "doesn't last long", "the battery
        # runs down quickly" (which "quickly", praise on its own, must not read as praise)
        r"(?:did|does|do) not (?:really |particularly )?like|(?:did|does|do|will|would) not"
        r" last(?: long| very long)?|(?:runs?|ran|running) (?:down|flat)(?: (?:very |so |too )?"
        r"(?:fast|quickly|quick))?|(?:drains?|draining)(?: (?:very |so |too )?"
        r"(?:fast|quickly|quick))?",
        -0.6,
        COMPLAINT,
    ),
    (
        r"not (?:yet )?(?:arrived|delivered|received|here|shipped|sent|collected"
        r"|picked up|answered|replied|refunded|credited|installed|assembled"
        r"|finished|completed|done|informed|told|notified|warned|updated)",
        -0.8,
        COMPLAINT,
    ),
    (
        r"not what (?:i|we) (?:ordered|expected|paid for|was promised|were promised"
        r"|asked for)|not as (?:described|advertised|shown|pictured|promised|ordered|agreed)",
        -0.8,
        COMPLAINT,
    ),
    (
        r"(?:speak|talk|speaking|talking) (?:to|with) (?:a|your|the) (?:manager"
        r"|supervisor|someone in charge|boss)|would appreciate (?:a|an|some) (?:response"
        r"|reply|answer|update|call|callback)|(?:my|our) (?:previous|last|earlier) (?:email"
        r"|e-mail|message|letter|call)",
        -0.6,
        COMPLAINT,
    ),
    (
        r"another (?:\w+ )?(?:week|day|month|hour)s? (?:of waiting|to wait"
        r"|of delay|late)|sent (?:me |us )?(?:round|around) in circles|(?:sending"
        r"|sent) me in circles|run ?around|fobbed off|passed (?:around|from one)",
        -0.6,
        COMPLAINT,
    ),
    (r"(?:no[ -]?one|nobody) (?:was|were) (?:there|home|in|available|around)", -0.6, COMPLAINT),
    (
        r"(?:no[ -]?one|nobody|none of (?:you|them))(?: (?:has|have|had|was"
        r"|is|ever|even|seems to|seemed to|bothered to|could|can|would|will))? (?:answered"
        r"|answers|answer|replied|replies|reply|called|calls|call|rang|phoned"
        r"|came|comes|come|showed|shows|turned|got back|gets back|get back"
        r"|been in touch|contacted|informed|told|tells|warned|cares|care|cared"
        r"|knows|know|knew|takes|took|responded|responds|respond|helped|helps"
        r"|help|apologi[sz]ed|picks up|picked up|listens|listened|bothered)",
        -0.8,
        COMPLAINT,
    ),
    (
        r"no (?:reply|replies|response|responses|answer|answers|update|updates"
        r"|feedback|word|news|explanation|apology|information|info|contact"
        r"|call|call back|callback|phone call|email|e-mail|confirmation|follow-up"
        r"|follow up|show|sign of|help|solution|date|idea|way to (?:reach|contact|get))",
        -0.7,
        COMPLAINT,
    ),
    (
        r"(?:will|would) not (?:be )?(?:buy|buying|order|ordering|use|using"
        r"|shop|shopping|recommend|return|back|coming back|come back)|do not (?:buy"
        r"|order|bother|waste|recommend|trust)|last time (?:i|we) (?:buy|order|use|shop)",
        -0.9,
        COMPLAINT,
    ),
    (
        rf"{_ORDINAL} (?:time|email|e-mail|message|call|letter|reminder|attempt"
        rf"|request|visit|complaint)",
        -0.8,
        COMPLAINT,
    ),
    (
        r"(?:ask|asked|asking|call|called|calling|ring|rang|phone|phoned|email"
        r"|emailed|e-mailed|write|written|wrote|writing|chase|chased|chasing"
        r"|contact|contacted|report|reported|complained|try|tried|requested"
        r"|reminded|sent|delayed|postponed|rescheduled|moved|cancelled|canceled"
        r"|changed|missed|failed|happened)(?: [\w']+){0,4} (?:twice|two times"
        r"|three times|four times|five times|several times|multiple times|many times"
        r"|\d+ times|again and again|over and over|repeatedly)",
        -0.8,
        COMPLAINT,
    ),
    (
        r"(?:buy|buying|order|ordering|shop|shopping|purchase|book|be back"
        r"|come back)(?: (?:from|with|here|it|them|you|this|that|one|more|there"
        r"|the same)){0,3} again",
        0.6,
        PRAISE,
        -0.9,
    ),
    (r"again and again|over and over|repeatedly|yet again|once again|twice", -0.4, COMPLAINT),
    (r"again", -0.2, COMPLAINT),
    (
        r"follow(?:ing)?[ -]up|chas(?:e|ed|es|ing)|writing again|again about"
        r"|had to keep|have to keep|(?:keep|keeps|kept) (?:asking|calling|chasing"
        r"|getting|being|forgetting|breaking|failing|losing|sending)",
        -0.5,
        COMPLAINT,
    ),
    (
        r"any (?:update|news|progress|word)|is there an update|an update on"
        r"|what is (?:going on|happening)|what happened|where is (?:my|our"
        r"|the)|where's (?:my|our|the)|how much longer|how long (?:do|does"
        r"|will|must|should|is|am|are) (?:i|we|it|this)|how long (?:this|it"
        r"|that) (?:has taken|took|is taking|takes)",
        -0.5,
        COMPLAINT,
    ),
    (r"why(?= ?[?!])", -0.5, COMPLAINT),
    (
        r"why (?:does|did|is|has|have|do|was|were|am|are|can|could|would|should"
        r"|must|on earth|no|not)",
        -0.5,
        COMPLAINT,
    ),
    (
        r"(?:can|could|would|will) (?:someone|somebody|anyone|anybody|you) (?:please )?(?:call"
        r"|contact|ring|phone|get back to|reply|respond|answer|help)|(?:call"
        r"|ring|phone) (?:me|us) back|get back to (?:me|us)|return my call",
        -0.5,
        COMPLAINT,
    ),
    (
        r"please (?:call|contact|phone|ring|get back to|get in touch with|reply to"
        r"|respond to|answer) (?:me|us)|please (?:reply|respond|answer|advise|look into|help)",
        -0.4,
        COMPLAINT,
    ),
    (
        r"please (?:correct|fix|sort|resolve|remove|credit|refund|rectify|repair"
        r"|replace|investigate|explain|escalate)",
        -0.7,
        COMPLAINT,
    ),
    # --- delays ----------------------------------------------------------------------------
    (
        rf"{_COUNT} (?:days?|weeks?|months?|hours?) (?:late|overdue|delayed"
        rf"|behind|later than)|(?:days|weeks|months) instead of",
        -0.8,
        COMPLAINT,
    ),
    (
        rf"(?:took|taken|takes|taking|been|waited|over|more than|almost|nearly) (?:\w+ )?"
        rf"{_COUNT} (?:weeks|months)|(?:over|more than|almost|nearly) (?:a|one) (?:month|week)",
        -0.5,
        COMPLAINT,
    ),
    (
        r"late(?! (?:afternoon|morning|evening|night|shift))|delay(?:ed|s|ing)?"
        r"|overdue|behind schedule|pushed back|postponed|reschedul\w*|moved (?:again"
        r"|back)|keeps? (?:moving|changing|slipping)",
        -0.6,
        COMPLAINT,
    ),
    (
        rf"(?:took|needed|required|takes) {_COUNT} (?:visits|attempts|tries"
        rf"|calls|emails|phone calls)",
        -0.6,
        COMPLAINT,
    ),
    (
        rf"{_COUNT} (?:weeks|months) (?:for|to get|to deliver|to receive|to answer"
        rf"|to reply|to fix) (?:a|an|the|one|my|our|this|it|them)|seriously\?",
        -0.5,
        COMPLAINT,
    ),
    (r"(?:was|were|is|are|did|does) not(?= ?[.!;]|$)|not so much", -0.5, COMPLAINT),
    (r"(?:can|could) you explain|explain why", -0.5, COMPLAINT),
    (
        r"took the day off|took (?:a|the) day off|took time off|day off work|time off work",
        -0.5,
        COMPLAINT,
    ),
    (r"ago", -0.3, COMPLAINT),
    # --- promises, money -------------------------------------------------------------------
    (
        r"(?:as|like) (?:promised|agreed|planned|booked|ordered|described|advertised"
        r"|pictured|shown|expected|stated|quoted)",
        0.0,
        NEUTRAL,
    ),
    (
        r"promised|assured|(?:was|were) told|supposed to|meant to|should have (?:been"
        r"|arrived|come|had|got|received)",
        -0.5,
        COMPLAINT,
    ),
    (
        r"(?:want|would like|wish|need|like|going|have) to cancel(?: (?:my"
        r"|our|the) (?:order|purchase))?|cancel(?:led|ed)? (?:my|our|the) (?:order"
        r"|purchase|delivery)|(?:order|delivery) (?:was |has been |got )?cancel(?:led|ed)",
        -0.8,
        COMPLAINT,
    ),
    (r"cancel(?:led|ed|ling|ing|lation|lations|s)?", -0.4, COMPLAINT),
    (
        r"(?:want|would like|demand|request|expect|asking for|ask for) (?:a "
        r"|my |our |the )?(?:full )?refund|refunds?|refunded",
        -0.6,
        COMPLAINT,
    ),
    (
        r"(?:my |our |the )?money back|reimburs\w*|compensat\w*|credit note"
        r"|charge ?back|pay (?:me |us )?back",
        -0.7,
        COMPLAINT,
    ),
    (
        r"return(?:ed|ing)? (?:it|them|the|this|these|my|our)(?! (?:survey"
        r"|form|call|email|e-mail|questionnaire|favou?r))|send (?:it|them) back"
        r"|sent (?:it|them) back|arrange (?:a )?(?:collection|return)|exchange",
        -0.5,
        COMPLAINT,
    ),
    (
        r"charged (?:twice|double|again|extra|for|me|us|my card|our card|before"
        r"|without|full price|the wrong|too much|more than)|double[- ]charged"
        r"|over-?charged|hidden (?:fees?|costs?|charges?)|(?:extra|additional"
        r"|unexpected) (?:fees?|charges?|costs?)|(?:fee|charge) (?:was|were) added"
        r"|restocking fee|invoiced (?:twice|for|us for|me for)|(?:two|2|duplicate"
        r"|double) (?:invoices|payments|charges)|duplicate",
        -0.7,
        COMPLAINT,
    ),
    (r"complain(?:t|ts|ed|ing|s)?", -0.7, COMPLAINT, 0.5),
    (
        r"escalat\w*|ombudsman|consumer (?:agency|agencies|rights|board|authority"
        r"|protection)|trading standards|small claims|lawyer|solicitor|legal action"
        r"|bad review|(?:one|1|two|2|zero|0) stars?",
        -0.9,
        COMPLAINT,
    ),
    # --- the goods -------------------------------------------------------------------------
    (
        r"stopped working|stops working|stopped (?:turning|charging|moving"
        r"|rising|going|working)|stops halfway|keeps stopping|dead on arrival"
        r"|(?:is|was|went) dead|fail(?:ed|s|ing|ure)?|malfunction\w*|broke down"
        r"|breaks down|fell apart|falls apart|falling apart|came apart|comes apart"
        r"|(?:fell|falls|come|came|comes|fallen) off",
        -0.8,
        COMPLAINT,
    ),
    (
        r"broken|broke|breaks|damaged?|damaging|dent(?:ed|s)?|ding(?:ed|s)?"
        r"|goug(?:e|ed|es)|scratch(?:ed|es)?|scuff(?:ed|s)?|crack(?:ed|s)?"
        r"|chipped|torn|ripped|stain(?:ed|s)?|bent|warped|faulty|faults?|defect(?:ive"
        r"|s)?|crushed|soaked|snapped|rust(?:y|ed)?",
        -0.7,
        COMPLAINT,
    ),
    (
        r"wobbl(?:y|es|ing|e)|unstable|shaky|shakes|flimsy|loose|squeak\w*"
        r"|creak\w*|grind(?:ing|s)?|rattl\w*|leak\w*|peel(?:ing|s|ed)|pilling"
        r"|sag(?:ging|s|ged)?|sinks|sinking|stuck|sticks|sticking|jam(?:med"
        r"|s)|flicker\w*|wet|mou?ldy?|smell(?:s|y)?|stinks?|odou?r|noisy|(?:makes"
        r"|making) (?:a |an )?(?:\w+ )?noise|beep(?:s|ing)?|buzz(?:es|ing)"
        r"|leans|uneven|misaligned",
        -0.7,
        COMPLAINT,
    ),
    (
        r"only (?:received|got|delivered|sent|came with|arrived with|had) (?:\d+"
        r"|one|two|three|four|five|half|some|part)",
        -0.6,
        COMPLAINT,
    ),
    (
        r"(?:for|from) (?:a|another) different (?:model|product|desk|chair"
        r"|order|customer)|(?:is|are|was|were) (?:for )?(?:a )?different (?:model"
        r"|size|colou?r|one)|no longer (?:works|working|turns|holds|stays|fits"
        r"|goes|moves|closes|locks)|unable to|(?:is|was) (?:this|that|it) normal",
        -0.6,
        COMPLAINT,
    ),
    (
        r"(?:a )?different (?:shade|colou?r|size|model|finish|fabric|height"
        r"|version) (?:from|than|to)|mismatched|patchy|in pieces|(?:left|dumped) (?:it "
        r"|them |the \w+ |my \w+ |our \w+ )?(?:outside|on the (?:pavement|street"
        r"|doorstep)|in the rain)|(?:a|an|the) (?:\w+ )?fee for|redelivery",
        -0.6,
        COMPLAINT,
    ),
    (
        r"missing|lacking|lacks|(?:came|arrived|delivered|comes) (?:with no"
        r"|without)(?! (?:any )?(?:damage|problems?|issues?|scratch\w*|dents?"
        r"|marks|hassle|fuss|delay))|someone else's|mix-?up|mixed up|wrong"
        r"|incorrect|mistake|error",
        -0.7,
        COMPLAINT,
    ),
    (
        r"(?:too )?(?:small|big|short|tall|low|high|dark|light|narrow|soft"
        r"|hard) for|too (?:small|big|short|tall|low|high|dark|light|narrow"
        r"|soft|hard|expensive|heavy|thin|loud)|hard as|aches?|aching|sore"
        r"|hurts?|uncomfortable",
        -0.6,
        COMPLAINT,
    ),
    (
        r"cheap(?:ly)?(?: made| quality| looking| feeling)?|overpriced|over-priced|not worth",
        -0.6,
        COMPLAINT,
        0.4,
    ),
    # --- service -------------------------------------------------------------------------
    (
        r"rude|unfriendly|unpleasant|unprofessional|impolite|arrogant|condescending"
        r"|dismissive|aggressive|hung up|ignor(?:ed|ing|e|es)|on hold|no[- ]show"
        r"|refus(?:ed|es|e|ing)|stood (?:us|me) up",
        -0.7,
        COMPLAINT,
    ),
    (
        r"useless|incompetent|clueless|hopeless|(?:a|what a) joke|ridiculous"
        r"|unacceptable|appalling|disgrace\w*|shocking|pathetic|nightmare|hassle"
        r"|(?:a|what a) mess|messed up|shambles|farce|scam|rip[- ]?off|ripped off"
        r"|misleading|misled|lied|lying|lies|dishonest|waste|wasted",
        -0.8,
        COMPLAINT,
    ),
    (
        r"rubbish|garbage|junk|crap|sucks|shoddy|substandard|sub-?par|inferior"
        r"|mediocre|unreliable|unusable|not fit for purpose|dangerous|unsafe"
        r"|hazard\w*|messy|dirty|filthy|disgust\w*|horrified|shocked|excuses?"
        r"|blam(?:e|ed|ing)|forg(?:ot|otten)|lost (?:my|our|the) (?:order|parcel"
        r"|package|delivery|booking)",
        -0.7,
        COMPLAINT,
    ),
    (
        r"took ages|for ages|took forever|taking forever|slow(?:ly)?|what are my options"
        r"|attached (?:are |is )?(?:some )?(?:photos|pictures|images)|(?:need"
        r"|want|expect|demand) a solution",
        -0.5,
        COMPLAINT,
    ),
    (
        r"annoy\w*|irritat\w*|frustrat\w*|fed up|sick of|tired of|angry|furious"
        r"|livid|upset|disappoint\w*|let down|letdown|unhappy|dissatisfied|regret\w*",
        -0.8,
        COMPLAINT,
    ),
    (
        r"poor(?:ly)?|terrible|terribly|awful|horrible|horrendous|dreadful"
        r"|worst|worse|abysmal|atrocious|bad(?:ly)?",
        -0.7,
        COMPLAINT,
        0.4,
    ),
    (
        r"good luck (?:getting|trying|with|reaching|finding)|(?:poor|bad|no"
        r"|zero|lack of) communication|without (?:any )?(?:notice|warning|explanation"
        r"|reason|apology|informing)",
        -0.7,
        COMPLAINT,
    ),
    (
        r"(?:hard|difficult|impossible) to (?:get|reach|contact|find|assemble"
        r"|understand|follow)|expected (?:much |a lot |far )?(?:better|more)"
        r"|could (?:be|have been) better|room for improvement|for (?:this|that"
        r"|the) price (?:i|we|you) (?:expect|expected|would expect)",
        -0.6,
        COMPLAINT,
    ),
    (
        r"unfortunately|sadly|regrettably|problems?|issues?|had to|should not (?:be necessary"
        r"|have to|happen)",
        -0.4,
        COMPLAINT,
    ),
    (r"waiting", -0.3, COMPLAINT),
    (r"as soon as possible|asap|urgent(?:ly)?", -0.2, COMPLAINT),
    # --- praise ----------------------------------------------------------------------------
    (r"(?:highly |strongly |definitely |warmly )?recommend(?:ed|s|ing)?", 0.6, PRAISE, -0.9),
    (
        r"bought (?:another|more|(?:\w+ )?more|a second)|(?:would|will) (?:definitely "
        r"|certainly )?(?:buy|order) (?:more|another|from you)",
        0.5,
        PRAISE,
    ),
    (
        r"(?:many |big |huge )?thanks?(?: you)?(?: (?:so|very) much| a lot"
        r"| again| guys| all)?|thx|cheers|much appreciated|appreciated?|grateful|kudos",
        0.5,
        PRAISE,
    ),
    (
        r"on time|in time|punctual|to the minute|on the dot|ahead of (?:time"
        r"|schedule)|earlier than (?:expected|planned|promised)|(?:well|carefully"
        r"|securely) packed|(?:perfect|good|great|mint) (?:condition|shape)"
        r"|like new|as new|hassle[- ]free|smooth(?:ly)?|painless|seamless(?:ly)?"
        r"|effortless(?:ly)?",
        0.5,
        PRAISE,
    ),
    (
        r"easy|easily|quick(?:ly)?|fast|prompt(?:ly)?|speedy|swift(?:ly)?|helpful"
        r"|friendly|polite|courteous|professional(?:ly)?|careful(?:ly)?|patient"
        r"|knowledgeable|responsive",
        0.4,
        PRAISE,
    ),
    (
        r"comfortable|comfy|sturdy|solid|stable|robust|quiet|silent|well (?:made"
        r"|built|designed|done)|worth (?:it|every|the)|value for money|good value|great value",
        0.5,
        PRAISE,
    ),
    (
        r"top (?:service|quality|class|marks)|(?:a|an absolute) (?:star|legend"
        r"|gem|hero|lifesaver|life saver)",
        0.6,
        PRAISE,
    ),
    (
        r"lov(?:e|ed|es|ely)|happy|pleased|satisfied|delighted|thrilled|impressed"
        r"|glad|10/10|5/5|five stars|5 stars|top notch|spot on|above and beyond"
        r"|exceeded|excellent|perfect(?:ly)?|great|brilliant|fantastic|amazing"
        r"|awesome|wonderful|superb|outstanding|beautiful|gorgeous|best|gr8",
        0.6,
        PRAISE,
    ),
    (r"good|nice|better", 0.4, PRAISE),
    # --- neutral words -----------------------------------------------------------------------
    (
        r"ok|okay|o\.k|fine|alright|all right|decent|reasonable|acceptable"
        r"|satisfactory|average|adequate|standard|meh|so-so|fair enough|does (?:the"
        r"|its) job|does what (?:it|they) (?:should|says|promised|is supposed to)",
        0.0,
        NEUTRAL,
    ),
]
