"""English: the categories of timing, and where their words name a feature instead.

These rules also run over Russian and Japanese notes: "Q3", "2026-03-01" and "FY27" are
written the same way in every language.
"""

from __future__ import annotations

from tracker.deadlines.rules import (
    Rule,
    but_not,
    everywhere,
    followed_by,
    in_the_past,
    preceded_by,
    quoted,
    requires,
    rule,
    sentence_has,
    sentence_lacks,
)
from tracker.deadlines.rules import words as w

# --- lexicon ---------------------------------------------------------------------------

MONTHS = w(
    "january", "february", "april", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
# "March" and "May" are also ordinary words: dates only when capitalized and placed as one
# (a rule of their own reads the text as written); after a number they are dates anyway.
MONTH_WORDS = r"(?:March|May)"
ANY_MONTH = w(MONTHS, "march", "may")
MONTH_ABBREVIATIONS = r"(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
WEEKDAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
SEASONS = r"(?:spring|summer|autumn|fall|winter)"
NUMBERS = w(
    r"\d+", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "fifteen", "twenty", "thirty", "forty-five", "sixty", "ninety",
)  # fmt: skip
COUNT = w(
    rf"{NUMBERS}(?:\s*(?:-|–|to|or)\s*{NUMBERS})?",  # "three", "six to eight", "2-3"
    r"a\s+few", "few", r"a\s+couple(?:\s+of)?", r"couple\s+of", "several",
    r"a\s+number\s+of", r"a\s+handful\s+of",
)  # fmt: skip
UNIT = (
    r"(?:(?:business|working|calendar)\s+)?"
    r"(?:hours?|days?|weeks?|fortnights?|months?|quarters?|years?|sprints?)"
)
PERIOD = rf"(?:week|weekend|month|quarter|year|half|{SEASONS}|{WEEKDAYS}|{MONTHS})"
RELEASE = (
    r"(?:releases?|updates?|versions?|builds?|patch(?:es)?|hotfix(?:es)?|rollouts?|roll-outs?"
    r"|launch(?:es)?|deploy(?:ments?)?|iterations?|milestones?|upgrades?|editions?|drops?"
    r"|sprints?|cycles?|waves?|refresh)"
)
HOLIDAYS = w(
    r"christmas(?:\s+day|\s+eve)?", "xmas", r"easter(?:\s+sunday|\s+monday)?", "thanksgiving",
    r"black\s+friday", r"cyber\s+monday", r"new\s+year(?:'s)?(?:\s+day|\s+eve)?",
    "halloween", "hanukkah", "chanukah", "diwali", "ramadan", r"eid(?:\s+al-\w+)?",
    r"back[-\s]to[-\s]school",
    "passover", "lent", "carnival", r"mardi\s+gras", "oktoberfest", r"golden\s+week",
    r"(?:lunar|chinese)\s+new\s+year", r"boxing\s+day", r"(?:the\s+)?fourth\s+of\s+july",
    "obon", "hogmanay", "whitsun", "pentecost", "epiphany", "purim", r"yom\s+kippur",
    r"rosh\s+hashanah", "holi", r"st\.?\s+patrick'?s(?:\s+day)?", r"valentine'?s(?:\s+day)?",
)  # fmt: skip
# Any other named day, capitalized: "Labor Day", "Memorial Day", "Mother's Day".
NAMED_DAY = r"(?:[A-Z][a-z]+(?:'s|s')?\s+){1,3}(?:Day|Eve|Weekend|Holiday)\b"
# The holidays without a name: "the holidays", "the festive season", "the summer break".
HOLIDAY_SEASON = w(
    r"the\s+holidays", r"the\s+(?:\w+\s+)?holiday\s+(?:season|period|break|weekend|week)",
    r"the\s+(?:festive|holiday)\s+(?:season|period|break)",
    r"the\s+(?:winter|summer|spring|easter|christmas|new\s+year(?:'s)?|school|mid-?term"
    r"|half-?term|year-end|festive|holiday)\s+(?:holidays?|break|vacation|recess|shutdown|closure)",
    r"spring\s+break", r"the\s+long\s+weekend", r"the\s+bank\s+holidays?(?:\s+weekend)?",
    r"the\s+(?:christmas|new\s+year|year-end)\s+period",
)  # fmt: skip
HOLIDAY_TAIL = r"(?:\s+(?:weekend|week|break|holidays?|period|season|day|eve|rush))?"
# (Keywords start with a letter, not \b or a group: then Python's regular expressions
# look for their first letters at C speed.)
HOLIDAY_KEYS = (
    r"christmas|xmas|easter|thanksgiving|black\s+friday|cyber\s+monday|new\s+year|year-end"
    r"|halloween|hanukkah|chanukah|diwali|ramadan|eid\b|passover|lent\b|carnival|mardi"
    r"|oktoberfest|golden\s+week|boxing|fourth\s+of\s+july|obon|hogmanay|whitsun|pentecost"
    r"|epiphany|purim|kippur|hashanah|holi|patrick|valentine|festive|long\s+weekend|break|school"
    r"|vacation|recess|shutdown|closure"
)
# The frame that turns a holiday into a time: "before", "over the", "in time for".
TIME_PREPOSITIONS = (
    r"(?:by|before|until|till|til|after|around|over|during|through(?:out)?|across|ahead\s+of"
    r"|in\s+time\s+for|prior\s+to|following|post|pre|towards?|close\s+to|near"
    r"|in\s+the\s+run-?up\s+to|leading\s+up\s+to|no\s+later\s+than|not\s+before|this|next"
    r"|coming|upcoming|at|until\s+after|right\s+after|just\s+before|soon\s+after"
    r"|shortly\s+after|straight\s+after|early|mid|late)"
)
# Words that make "for <holiday>" a deadline rather than a purpose ("templates for Christmas").
READY = (
    r"(?:ready|available|done|out|live|in\s+place|finished|complete|plann(?:ed|ing)"
    r"|schedul(?:ed|ing)|pencil+ed\s+in|hop(?:e|ing)|expecting|slated|targeted|expected|due"
    r"|aiming|aim|set|on\s+track|in\s+time|delivered|shipped|released|launched|deployed|back"
    r"|booked|earmarked|penciled)"
)

# --- contexts: where the words name a feature -------------------------------------------

# What a holiday, a season or a period can qualify when the note is about a feature.
FEATURE_NOUNS = (
    r"(?:'s\s+|s'\s+|-)?(?:themes?|templates?|greetings?|cards?|designs?|backgrounds?|banners?"
    r"|campaigns?|sales?|discounts?|promos?|promotions?|offers?|prices?|price\s+lists?"
    r"|collections?|catalogu?es?|reports?|exports?|figures|totals|numbers|data|statistics"
    r"|view|filters?|presets?|pickers?|selectors?|columns?|fields?|widgets?|tabs?|charts?"
    r"|dashboards?|calendars?|schedules?|hours|shifts?|tasks|deals|invoices?|payroll|payments?"
    r"|budgets?|plans?\b(?!\s+to)|targets?|goals?|quotas?|forecasts?|summary|summaries"
    r"|statements?|closing|close\b(?!\s+of)|comparison|headings?|titles?|tags?|mailings?"
    r"|emails?)"
)
# Rows a report or a filter selects by time: "tasks due next week", "deals closed this
# quarter".
DATA_ROWS = (
    r"(?:tasks?|deals?|items?|invoices?|events?|meetings?|activities|calls?|payments?|orders?"
    r"|leads?|contacts?|files?|records?|messages?|entries|sales|documents?)\s+"
    r"(?:that\s+(?:are|were)\s+)?(?:due|created|closed|won|lost|paid|issued|sent|received"
    r"|modified|updated|added|logged|booked|signed|planned|scheduled|starting|ending|falling)"
    r"(?:\s+(?:on|in|for|by|before|after|within))?\s+"
)
# Spans of data rather than our schedule: "the last 90 days", "every 2 weeks", "kept for".
DATA_RANGE = (
    r"(?:\b(?:last|past|previous|prior|first|every|each|per|any|trailing|rolling|than"
    r"|(?:keeps?|kept|stores?|stored|retains?|retained|holds?|held|saves?|saved)\s+(?:\w+\s+){0,2}?for"
    # "keeps 30 days of chat history", "stores 12 months of data"
    r"|(?:keeps?|kept|stores?|stored|retains?|retained|holds?|held|saves?|saved|shows?|lists?)"
    r"|valid\s+for|lasts?(?:\s+for)?|expires?\s+(?:after|in)"
    r"|activity\s+for|inactive\s+for|idle\s+for|without\s+activity\s+for"
    r"|for\s+the\s+(?:last|past|first)|up\s+to|range\s+of|period\s+of|interval\s+of|window\s+of"
    r"|trial\s+of|wait|waits|waiting|\d+\s+(?:to|-|–)|the"
    # A participle, then "for" or "after": "restored for 30 days", "logged out after 2 hours"
    r"|\w+(?:ed|able|ible)(?:\s+(?:out|off|in|up))?\s+(?:for|after)|set\s+(?:for|to))\s+)"
)
# "Windows Server 2022", "Excel 2024": a product's name, not a year we promise.
PROPER_NAME_BEFORE = (
    r"(?-i:\b(?!(?:In|By|From|Until|Before|After|Since|During|Early|Late|Mid|For|Of|The|Our"
    r"|This|Next|End|Start|Beginning|Spring|Summer|Autumn|Fall|Winter|Around|Over|Through"
    r"|Expect|Planned|Scheduled)\b)[A-Z][\w+]*[a-z+][\w+]*)\s*"
)
# "Sales for May", "the report for Q1", "revenue in 2025": a span of data.
DATA_FOR = preceded_by(
    r"\b(?:sales|revenue|figures|reports?|invoices?|data|statistics|payroll|results|totals"
    r"|numbers|budgets?|forecasts?|targets?|expenses|deals|orders)\s+"
    r"(?:(?:for|of|in|from)\s+(?:the\s+)?)?"
)
# Product behaviour, not our schedule: "the calendar jumped to next month", "the task is
# moved to the next sprint". ("We moved it to next month", "the release moved to next
# week" are promises: not when we or our work are the ones that move.)
_MOTION = (
    r"(?:jump|move|switch|scroll|shift|roll|fall|fell|carr(?:y|ie))\w*\s+"
    r"(?:back\s+|forward\s+|automatically\s+|over\s+)?(?:(?:to|into|on|onto)\s+(?:the\s+|a\s+)?)?"
)
MOVES = but_not(
    preceded_by(rf"\b{_MOTION}"),
    preceded_by(
        r"\b(?:we|we've|we'll|we\s+have|we\s+will|we\s+are|our\s+team|the\s+team|developers"
        r"|release|update|fix|work|launch|rollout|it|this|request|feature|change|delivery)\s+"
        rf"(?:\w+\s+){{0,2}}?{_MOTION}(?:\w+\s+)?",
        reach=60,
    ),
)
# A setting, not our schedule: "financial years that start in April", "contracts ending in May".
STARTS_IN = preceded_by(
    r"\b(?:years?|quarters?|periods?|weeks?|months?|subscriptions?|contracts?|trials?|seasons?)"
    r"\s+(?:that\s+|which\s+)?(?:start|begin|end|renew)\w*\s+(?:in|on|from)\s+"
)
# What the product lets people do: "shifts can start on Saturday", "reminders can repeat
# every 3 days". (Not "it can take a week" or "we can ship it on Friday".)
CAPABILITY = sentence_has(
    r"\b(?:can|cannot|can't)\s+(?:now\s+|no\s+longer\s+|also\s+)?(?:be\s+)?(?:set|chosen|choose"
    r"|select|selected|start|end|repeat|recur|run|configured?|changed?|shown?|show|booked?|sent"
    r"|send|scheduled?|used?|use|limited|limit|extended|extend|moved|move|picked|pick|added|add"
    r"|copied|copy|restored|restore|split|grouped|group|filtered|filter)\b"
)
# What the product does by itself: "sessions expire automatically after 12 hours".
AUTOMATIC = sentence_has(r"\bautomatic(?:ally)?\b|\bby\s+default\b")
# An example of a date in a feature note: "e.g. 1 January", "such as Christmas Day".
EXAMPLE = preceded_by(
    r"\b(?:e\.g\.|for\s+example|for\s+instance|such\s+as|like),?\s+(?:on\s+)?(?:\d{1,2}\s+)?"
)
# A feature noun after the period ("the Q1 report"), unless it is ours ("our Q1 plans").
FEATURE_AFTER = but_not(followed_by(r"\s*" + FEATURE_NOUNS), preceded_by(r"\bour\s+"))
_not_a_feature = (quoted, FEATURE_AFTER, DATA_FOR, MOVES, EXAMPLE)

# History, not a promise: "the theme was retired in 2023", "completed earlier this year",
# "we deployed the fix on 3 March". Not when the clause also plans, moves or intends: "we
# decided to ship it in Q3", "we moved it to next month", "it was scheduled for Friday".
PAST = in_the_past(
    r"\b(?:was|were|went|came|did|ago|earlier|previously|yesterday|since"
    r"|last\s+(?:week|month|year|quarter|time|night|spring|summer|autumn|fall|winter))\b"
    r"|\b(?:has|have|had)\s+(?:already\s+|now\s+|just\s+|also\s+)?(?:been|\w+ed|gone|come)\b"
    r"|\b(?:we|they|it|he|she|you|team|engineers|developers)\s+(?:already\s+|just\s+|also\s+)?"
    r"(?!need)\w+ed\b",
    r"\b(?:will|shall|going\s+to|gonna|plan\w*|expect\w*|aim\w*|hop(?:e|es|ing)|target\w*"
    r"|schedul\w*|due|slated|pencil\w*|earmark\w*|book\w*|intend\w*|decid\w*|agreed|want\w*"
    r"|should|would|could|next|upcoming|coming|soon|until|till|promis\w*|commit\w*|roadmap"
    r"|backlog|lined\s+up|on\s+track|mov(?:e|ed|ing)|push\w*|postpon\w*|delay\w*"
    r"|reschedul\w*|priorit\w*|tentative\w*|wait\w*)\b|'ll\b",
    clause=r"[,;:()\u2013\u2014]|\b(?:and|but|so|while|whereas|although|though)\b",
)

# --- rules -----------------------------------------------------------------------------

RULES: list[Rule] = [
    rule(
        "holidays",
        rf"""
        # "before Christmas", "after the holidays", "over the Easter weekend"
        \b{TIME_PREPOSITIONS}\s+(?:the\s+|this\s+|next\s+|our\s+)?{HOLIDAYS}{HOLIDAY_TAIL}\b
        | \b{TIME_PREPOSITIONS}\s+{HOLIDAY_SEASON}\b
        | \bin\s+the\s+new\s+year\b
        # "targeting Thanksgiving", "aiming for Easter", "planned for Christmas"
        | \b(?:target(?:ing|ed)?|aim(?:ing)?\s+(?:for|at)
          |{READY}\s+(?:\w+\s+)?(?:for|by|at|on|around))
          \s+(?:the\s+)?(?P<p>{HOLIDAYS}{HOLIDAY_TAIL}|{HOLIDAY_SEASON})\b
        # "the Christmas release", "an Easter update"
        | \b(?P<p>(?:{HOLIDAYS}|holiday|festive)\s+{RELEASE})\b
        # "once the festive break is over", "when the summer holidays wind down"
        | \b(?P<p>(?:once|when|after)\s+(?:{HOLIDAY_SEASON}|{HOLIDAYS}{HOLIDAY_TAIL})
          \s+(?:(?:is|are)\s+(?:over|past|done|behind\s+us)|(?:has|have)\s+(?:ended|passed)
          |(?:winds?|wound)\s+down|ends?|finish(?:es)?|wraps?\s+up|(?:draws?|comes?)\s+to
          \s+(?:a|an|its|their)\s+(?:close|end)))
        """,
        *_not_a_feature,
        preceded_by(DATA_ROWS + r"(?:the\s+)?"),
        keys=HOLIDAY_KEYS,
    ),
    rule(
        "seasons",
        rf"""
        # "this spring", "by summer", "in the autumn", "mid-winter", "over the winter of 2026"
        \b(?P<p>(?:this|next|coming|upcoming|following|by|in|until|till|before|after|over
          |during|through|around|from|towards?|ahead\s+of|early|late|mid|end\s+of|start\s+of
          |beginning\s+of|middle\s+of|closer\s+to|later\s+this|later\s+in)
          [-\s]+(?:the\s+)?(?:early\s+|late\s+)?{SEASONS}
          (?:\s+(?:of\s+)?(?:20\d\d|next\s+year|this\s+year))?)\b
        # A seasonal release: "the spring release", "our summer update", "the midsummer drop"
        | \b(?P<p>(?:mid|early|late)?-?{SEASONS}(?:\s*'?\d\d)?\s+{RELEASE})\b
        # A season as an event: "when winter comes around", "once spring arrives"
        | \b(?P<p>(?:when|once|as|before|after|until)\s+(?:the\s+)?{SEASONS}
          \s+(?:comes?|arrives?|rolls?\s+(?:a)?round|starts?|begins?|ends?|is\s+(?:over|here)
          |sets\s+in|kicks\s+in|is\s+out))\b
        """,
        *_not_a_feature,
        preceded_by(
            r"\b(?:since|introduced\s+in|added\s+in|shipped\s+in|released\s+in)\s+"
            r"(?:the\s+|our\s+)?"
        ),
        keys=r"spring|summer|autumn|fall|winter",
    ),
    rule(
        "fiscal and business periods",
        rf"""
        # "the third quarter", "next quarter", "the second half of the year", "the back half"
        \b(?:first|second|third|fourth|last|final|next|this|coming|upcoming|following|back
          |front)\s+(?:fiscal\s+|financial\s+|calendar\s+)?(?:quarter|half)
          (?:\s+of\s+(?:the\s+|this\s+|next\s+)?(?:year|20\d\d))?\b
        # "the end of the quarter", "the start of the financial year", "end-of-year"
        | \b(?:end|close|beginning|start|middle|turn|rest)[-\s]of[-\s]
          (?:the\s+|this\s+|next\s+|our\s+)?
          (?:fiscal\s+|financial\s+|budget\s+|calendar\s+|business\s+|working\s+|current\s+)?
          (?:day|week|month|quarter|half|year|season|sprint|cycle|period|{ANY_MONTH})\b
        # "by month-end", "before year end", "by week's end", "close of business", "EOD"
        | \b(?:by|before|until|at|after|around|for)\s+(?:the\s+)?
          (?P<p>(?:day|week|month|quarter|year)(?:'s|s')?[-\s]end)\b
        | \b(?:close|end)\s+of\s+(?:business|play)\b | \b(?:eod|eow|eom|eoq|eoy|cob)\b
        | \b(?:fiscal|financial)\s+(?:year|quarter)[-\s]end\b
        # "this financial year", "the next budget year", "the next planning cycle"
        | \b(?:this|next|coming|new|following|upcoming|within\s+the|during\s+the|in\s+the
          |by\s+the)\s+(?:fiscal|financial|budget(?:ing)?|tax|calendar|academic|business
          |planning)\s+(?:year|cycle|period|round|quarter)\b
        # "before the quarter closes", "when the month is over"
        | \b(?:before|by|until|after|when|once)\s+the\s+(?:week|month|quarter|year|half|sprint)
          \s+(?:closes|ends|is\s+(?:over|out|through|done)|wraps\s+up|finishes|starts|begins)\b
        """,
        *_not_a_feature,
        followed_by(r"-over-"),
        preceded_by(r"\b(?:the\s+)?(?:current|previous|last|prior|same|each|every|any|per)\s+"),
        preceded_by(DATA_ROWS + r"(?:the\s+)?"),
        keys=(
            r"quarter|half|end[-\s]of|close[-\s]of|beginning[-\s]of|start[-\s]of|middle[-\s]of"
            r"|turn[-\s]of|rest[-\s]of|-end| end|eo[dwmqy]\b|cob\b|fiscal|financial|budget"
            r"|tax\s+(?:year|period)|calendar\s+(?:year|quarter)|academic|business\s+(?:year|cycle"
            r"|period|quarter)|planning\s+(?:cycle|period|round)|the\s+week\s|the\s+month\s"
            r"|the\s+year\s|the\s+sprint\s"
        ),
    ),
    rule(
        "sprints and iterations",
        r"""
        # "the next sprint", "this sprint", "in the current sprint"; "two sprints" is a duration
        \b(?:next|this|current|coming|upcoming|following|subsequent)\s+(?:\w+\s+)?
          (?:sprint|iteration)s?\b
        # "in one of the upcoming sprints", "one of the next releases"
        | \b(?:one|some)\s+of\s+the\s+(?:next|upcoming|coming|following)\s+(?:\w+\s+)?
          (?:sprints|iterations|releases|updates|versions|builds)\b
        """,
        quoted,
        MOVES,
        keys=r"sprint|iteration|releases|updates|versions|builds",
    ),
    rule(
        "relative time",
        rf"""
        # Vague promises of timing: "soon", "shortly", "any day now", "before long"
        \b(?<!as\s)(?:very\s+|quite\s+|pretty\s+)?(?:soon|sooner|shortly)\b(?!\s+as\b)
        | \bbefore\s+(?:too\s+)?long\b | \bany\s+(?:day|moment|minute|time)\s+now\b
        | \bin\s+no\s+time\b | \bimminent(?:ly)?\b | \bin\s+short\s+order\b
        | \b(?:just\s+)?(?:a)?round\s+the\s+corner\b | \bon\s+the\s+horizon\b
        | \b(?:it\s+)?(?:won'?t|will\s+not|shouldn'?t|should\s+not)\s+be
          \s+(?:too\s+|very\s+)?long(?:\s+now)?\b
        | \b(?:won'?t|will\s+not|don'?t|do\s+not|shouldn'?t|should\s+not)
          \s+(?:have\s+to\s+)?wait\s+(?:too\s+|very\s+)?long\b
        | \b(?:almost|nearly|just\s+about|very\s+nearly)\s+(?:ready|done|finished|complete|there)\b
        # "the wait is almost over"
        | \b(?:the|your)\s+wait\s+(?:\w+\s+){{0,4}}?is\s+(?:almost|nearly|just\s+about)\s+over\b
        | \b(?:next|up)\s+(?:up|next|in\s+line)\b | \b(?:at\s+the\s+)?earliest\s+opportunity\b
        | \b(?:near|short)[-\s]term\b
        # "we are very close to releasing this"
        | \b(?:very\s+|so\s+|really\s+)?close\s+to\s+(?:releas|shipp|launch|deliver|finish
          |complet|rolling)\w*
        # Haste about our work: "we will fix it as soon as possible" ("please reply as soon
        # as possible" asks the customer, and promises nothing)
        | \b(?P<p>(?:fix|ship|releas|deliver|implement|add|resolv|address|handl|deploy|roll)\w*
          \s+(?:\w+\s+){{0,3}}?as\s+(?:soon|quickly|fast)\s+as\s+(?:possible|we\s+can))\b
        # "in the near future", "in the not-too-distant future"
        | \b(?:in|for|within|during)\s+the\s+(?:near|foreseeable|not[-\s]too[-\s]distant
          |not[-\s]so[-\s]distant|immediate|very\s+near)\s+future\b
        # "in the coming weeks", "over the next few months", "the next 30 days"
        | \b(?:in|over|within|during)\s+the\s+(?:next|coming|following|upcoming)
          \s+(?:few\s+|couple\s+of\s+|several\s+)?{UNIT}\b
        | \b(?:in|over|within|during)\s+(?:the\s+)?(?:next|coming)\s+{COUNT}\s+{UNIT}\b
        | \bthe\s+(?:next|coming|following|upcoming)\s+(?:few\s+|couple\s+of\s+|several\s+)?
          (?:days|weeks|months|quarters|years|sprints)\b
        # "a month from now", "weeks away", "in a matter of days", "within days", "a week or two"
        | \b(?:{COUNT}|a|an)\s+{UNIT}\s+(?:from\s+now|away|out|later|hence
          |down\s+the\s+(?:road|line))\b
        | \b(?:hours|days|weeks|months)\s+away\b
        | \b(?:in\s+|within\s+)?a\s+matter\s+of\s+(?:\w+\s+)?{UNIT}\b
        | \bwithin\s+(?:hours|days|weeks|months|the\s+(?:day|week|month|year|hour))\b
        | \b(?:a|one)\s+(?:day|week|month|sprint)\s+or\s+(?:two|so)\b
        """,
        quoted,
        keys=(
            r"soon|shortly|close\s+to|long\b|any\s+day|any\s+moment|any\s+minute|any\s+time|no\s+time|imminent|short\s+order|corner|horizon|almost|nearly"
            r"|just\s+about|next\s+up|next\s+in|up\s+next|earliest|term\b|possible|we\s+can"
            r"|future|matter\s+of|within|or\s+two|or\s+so|away|from\s+now|later|hence|down\s+the"
            r"|s\s+out\b|k\s+out\b|h\s+out\b|r\s+out\b|y\s+out\b|t\s+out\b"
            r"|next\s+(?:\S+\s+){0,2}(?:hour|day|week|fortnight|month|quarter|year|sprint)|coming\s+(?:\S+\s+){0,2}(?:hour|day|week|fortnight|month|quarter|year|sprint)"
            r"|following\s+(?:\S+\s+){0,2}(?:hour|day|week|fortnight|month|quarter|year|sprint)|upcoming\s+(?:\S+\s+){0,2}(?:hour|day|week|fortnight|month|quarter|year|sprint)"
        ),
    ),
    rule(
        "days",
        r"""
        # "today", "tomorrow", "tonight", "later today", "this afternoon", "end of the day"
        \b(?:later\s+)?(?:today|tonight|tomorrow|yesterday)\b
          (?!'s|\s+(?:widget|view|button|filter|tab))
        | \b(?:the\s+)?day\s+after\s+tomorrow\b
        # "tomorrow's release", "tonight's update"
        | \b(?:today|tonight|tomorrow)'s\s+(?:release|update|build|patch|deploy(?:ment)?|rollout)\b
        | \b(?:this|tomorrow)\s+(?:morning|afternoon|evening|night)\b
        | \bend\s+of\s+(?:the\s+)?(?:business\s+|working\s+)?day\b
        """,
        quoted,
        preceded_by(DATA_ROWS),
        preceded_by(r"\b(?:back\s+to|to|since)\s+"),
        # Data up to a day: "the preset now includes today", "shows tomorrow's tasks"
        preceded_by(
            r"\b(?:includ\w*|show\w*|cover\w*|contain\w*|highlight\w*|mark\w*|until|up\s+to)\s+"
        ),
        keys=(
            r"today|tonight|tomorrow|yesterday|morning|afternoon|evening|night"
            r"|end\s+of\s+(?:the\s+)?(?:\w+\s+)?day"
        ),
    ),
    rule(
        "relative periods",
        rf"""
        # "next week", "this month", "the coming year", "later this year", "early next week"
        \b(?:later\s+|early\s+|late\s+|mid-?)?(?:this|next|coming|following|upcoming)\s+{PERIOD}\b
        | \b(?:the\s+)?(?:week|month|year)\s+after\s+next\b
        # "by the weekend", "over the weekend"
        | \b(?:by|over|until|till|before|after|during|for)\s+(?P<p>the\s+weekend)\b
        """,
        *_not_a_feature,
        preceded_by(DATA_ROWS + r"(?:the\s+)?"),
        preceded_by(r"\b(?:on|in|for|of|from|to)\s+(?:the\s+)?(?:same|each|every)\s+"),
        # A comparison of periods of data: "the report compares this month with last year"
        preceded_by(r"\b(?:compar\w+|versus|vs\.?)\s+(?:\w+\s+){0,3}?(?:with\s+|to\s+)?", reach=60),
        keys=(
            rf"this\s+{PERIOD}|next\s+{PERIOD}|coming\s+{PERIOD}|following\s+{PERIOD}"
            rf"|upcoming\s+{PERIOD}|after\s+next|the\s+weekend"
        ),
    ),
    rule(
        "durations",
        rf"""
        # "two weeks", "a few days", "six to eight weeks", "10 days", "a couple of months"
        \b(?P<p>{COUNT}(?:\s+(?:more|further|extra|additional|long))?\s+{UNIT})\b
        # "within a month", "in about a week", "roughly a month", "another fortnight"
        | \b(?P<p>(?:in|within|after|under|over|about|around|inside|roughly|approximately
          |nearly|almost|at\s+least|at\s+most|less\s+than|more\s+than|no\s+more\s+than|another
          |a\s+further|an\s+extra|an\s+additional)
          (?:\s+(?:about|around|roughly|approximately|just))?\s+(?:(?:a|an|one)\s+)?{UNIT})\b
        # "it will take a week", "needs another month"
        | \b(?P<p>(?:take|takes|taking|need|needs|require|requires)\s+(?:us\s+)?
          (?:another\s+|about\s+|around\s+|roughly\s+|at\s+least\s+|more\s+than\s+)?
          (?:a|an|one)\s+{UNIT})\b
        """,
        quoted,
        preceded_by(DATA_RANGE),
        preceded_by(DATA_ROWS),
        followed_by(r"\s+(?:of\s+)?(?:inactivity|activity|history|data|retention|trial|free)\b"),
        followed_by(r"\s+(?:ago|old)\b"),
        followed_by(r"\s+(?:before|after|prior|of\s+(?:inactivity|deletion|creation))\b"),
        CAPABILITY,
        AUTOMATIC,
        keys=r"\s(?:hour|day|week|fortnight|month|quarter|year|sprint)",
    ),
    rule(
        "months",
        rf"""
        # "in April", "mid-June", "early October", "September 2026", "Sept 5", "15 March"
        \b(?P<p>{MONTHS})\b(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?(?:,?\s+20\d\d)?
        | \b{MONTH_ABBREVIATIONS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b
        | \b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS}|{MONTH_ABBREVIATIONS}|march|may)\b
        """,
        *_not_a_feature,
        STARTS_IN,
        preceded_by(r"\b(?:every|each|any|per|for\s+(?:each|every|any))\s+"),
        keys=r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec",
    ),
    rule(
        "calendar dates",
        r"""
        # 2026-03-01, 2026/3/1 (Latin lookarounds: "2026-11-30にリリース" has no \b)
        (?<![A-Za-z0-9.])\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?![\d.]\d|[A-Za-z0-9])
        # 01.03.2026, 3/1/2026, 11/04/26
        | (?<![A-Za-z0-9.])\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})(?![\d.]\d|[A-Za-z0-9])
        # "by the 20th", "on the 1st", "the week of the 14th"
        | \b(?:by|on|until|till|before|after|from|around|of)\s+the\s+\d{1,2}(?:st|nd|rd|th)\b
        """,
        followed_by(r"\s+(?:of\s+)?(?:each|every|any|the)\s+month"),
        # "version 1.2.30", "версии 1.2.30", "バージョン1.2.30": a version, not a date
        preceded_by(
            r"(?:\b(?:version|v|ver\.|build|protocol|release|api|php|ios|android)"
            r"|\bверси\w*|\bсборк\w*|\bпротокол\w*|バージョン)\s*"
        ),
        preceded_by(r"\b(?:like|as|e\.g\.|such\s+as|format)\s+"),
        keys=r"\d[-/.sntr]",
    ),
    rule(
        "weekdays",
        rf"""
        # "on Friday", "next Tuesday", "by Thursday", "Monday morning"; not "on Mondays"
        \b{WEEKDAYS}\b(?!s\b)
        """,
        quoted,
        MOVES,
        preceded_by(r"\b(?:every|each|any|on\s+a|first|last|from|cyber|black)\s+"),
        # A choice or a range is a setting: "Sunday or Monday", "Monday to Friday"
        preceded_by(rf"\b{WEEKDAYS}s?,?\s+(?:or|and|to|through|-|–)\s+(?:on\s+)?"),
        followed_by(rf"\s*(?:,|or|and|to|through|-|–)\s+(?:on\s+)?{WEEKDAYS}"),
        # A name: "Friday CRM"
        followed_by(r"(?-i:\s+[A-Z]{2,}|\s+[A-Z][a-z]+(?<!Morning)(?<!Afternoon)(?<!Evening))"),
        # A setting: "shifts can start on Saturday", "get Monday as their start date",
        # "a reminder set for Monday"
        CAPABILITY,
        EXAMPLE,
        followed_by(r"\s+as\s+(?:the|their|its|a|an)\s+(?:\w+\s+)?(?:date|day)\b"),
        preceded_by(
            r"\b(?:reminders?|alarms?|notifications?|meetings?|tasks?|events?|digests?|reports?"
            r"|calls?)\s+(?:\w+\s+)?set\s+(?:for|to)\s+"
        ),
        # A repetition: "on Monday mornings"
        followed_by(r"\s+(?:mornings|afternoons|evenings|nights)\b"),
        keys=r"monday|tuesday|wednesday|thursday|friday|saturday|sunday",
    ),
    rule(
        "years",
        r"""
        # "in 2027", "by early 2027", "our 2026 roadmap"
        (?<![\d#№.,A-Za-z])20[2-4]\d(?![\d.,/:-]\d|[A-Za-z0-9])
        """,
        DATA_FOR,
        preceded_by(PROPER_NAME_BEFORE),
        preceded_by(r"(?:\#|№|no\.|number|request|order|invoice|error|code|port)\s*"),
        preceded_by(r"\b(?:up\s+to|between\s+\d{4}\s+and|from\s+\d{4}\s+to)\s+"),
        # "invoices dated before 2024", «счета с датой до 2024 года», 「2024年より前の請求書」
        preceded_by(
            r"(?:\b(?:dated|created|issued|older\s+than|newer\s+than)\s+(?:before\s+|after\s+|in\s+)?"
            r"|\b(?:дат\w*|созданн\w*|выставленн\w*|старше)\s+(?:до\s+|после\s+|с\s+|от\s+)?)"
        ),
        followed_by(r"年?(?:より前|以前)"),
        keys=r"20[2-4]\d",
    ),
    rule(
        "event anchors",
        rf"""
        # "the next release", "the upcoming update", "our following build", "next patch"
        \b(?P<p>(?:next|upcoming|coming|following|forthcoming|subsequent)
          \s+(?:[\w.]+\s+){{0,2}}?{RELEASE})\b
        # "the release after next", "the version after the current one"
        | \b(?P<p>{RELEASE}\s+(?:after|following|that\s+follows)
          \s+(?:next|the\s+(?:current|next|present)(?:\s+one)?|this\s+one))\b
        # "once the next major version is out", "when version 25 ships", "after the redesign
        # goes live"
        | \b(?P<p>(?:once|when|after|as\s+soon\s+as|until|by\s+the\s+time)\s+(?:the\s+|our\s+)?
          (?:[\w.]+\s+){{0,3}}?(?:version|release|editor|redesign|interface|platform|app
          |relaunch|migration|overhaul|rewrite|beta|edition|generation|ui|design|freeze|moratorium
          |upgrade|rework|transition|switchover
          |v\d+(?:\.\d+)*)(?:\s+\d+(?:\.\d+)*)?
          \s+(?:is|are|has\s+been|have\s+been|goes|go|ships|comes|lands|launches|gets|becomes
          |lifts|ends)
          (?:\s+(?:out|live|released|launched|shipped|available|ready|rolled\s+out|complete
          |completed|done|finished|over|public|lifted))?)\b
        # "once the new dashboard launches", "when the redesigned editor is out"
        | \b(?P<p>(?:once|when|after|as\s+soon\s+as|until)\s+(?:the\s+|our\s+)?
          (?:new|next|upcoming|redesigned)\s+(?:[\w-]+\s+){{0,2}}?[\w-]+
          \s+(?:launches|ships|lands|goes\s+live|is\s+(?:out|live|released|launched|shipped)))\b
        # "with the release of the new editor", "as part of the v3 launch", "with the relaunch"
        | \b(?P<p>(?:with|alongside|together\s+with|as\s+part\s+of|along\s+with|in\s+time\s+for
          |after|before)\s+(?:the\s+|our\s+)?
          (?:(?:release|launch|rollout|introduction|arrival)\s+of\s+(?:the\s+|our\s+)?
             (?:[\w.]+\s+){{0,3}}?(?:version|editor|interface|platform|app|redesign|design|ui
             |generation|edition|v\d+(?:\.\d+)*)
          | (?:[\w.]+\s+){{0,3}}?(?:relaunch|redesign|launch|migration|overhaul|rewrite
             |code\s+freeze|conference|summit)))\b
        # "together with the new mobile app", "alongside the redesigned editor"
        | \b(?P<p>(?:together\s+with|alongside|along\s+with)\s+(?:the\s+|our\s+)?
          (?:new|next|upcoming|redesigned)\s+(?:[\w-]+\s+){{0,2}}?(?:app|version|editor|interface
          |platform|release|dashboard|design|ui|update))\b
        # "at our annual conference", "during the summit"
        | \b(?P<p>(?:at|during|by|before|after|for)\s+(?:the\s+|our\s+|this\s+|next\s+)?
          (?:\w+\s+)?(?:conference|summit|keynote|launch\s+event|product\s+event))\b
        # "the next maintenance window", "the upcoming conference"
        | \b(?P<p>(?:next|upcoming|coming)\s+(?:maintenance(?:\s+window)?|conference|summit
          |event|planning|freeze))\b
        """,
        quoted,
        MOVES,
        keys=(
            r"after\s+next|release|update|version|build|patch|hotfix|roll-?out|launch|deploy|iteration"
            r"|milestone|upgrade|edition|drop|sprint|cycle|wave|refresh|editor|redesign|interface"
            r"|platform|\bapps?\b|migration|overhaul|rewrite|beta|generation|\bui\b|design|v\d"
            r"|ships|lands|live|introduction|arrival|freeze|conference|summit|maintenance|event"
            r"|planning"
        ),
    ),
    rule(
        "versions to come",
        r"""
        # "it will be in version 25", "planned for v3"; "fixed in version 24.100" is the past
        \b(?P<p>(?:in|with|for|into)\s+(?:version|v\.?|release)\s*\d+(?:\.\d+)*)\b
        """,
        quoted,
        sentence_lacks(
            r"\b(?:will|'ll|shall|going\s+to|plan\w*|schedul\w*|expect\w*|target\w*|slated|aim\w*"
            r"|intend\w*|coming|upcoming|hope\w*|due|set\s+to|to\s+be\s+(?:released|included"
            r"|shipped)|becomes?|appears?|arrives?|lands?|ships?|comes?)\b"
        ),
        keys=r"version|release|v\.?\s*\d",
    ),
    # --- where case carries the meaning: these read the text as written ----------------
    rule(
        "named days",
        rf"""
        # "after Labor Day", "by Memorial Day", "before Mother's Day", "the Founders Day release"
        (?<![\w'])(?P<p>{NAMED_DAY})
        """,
        requires(
            preceded_by(
                rf"\b(?:{TIME_PREPOSITIONS}|target(?:ing|ed)?"
                rf"|{READY}\s+(?:\w+\s+)?(?:for|by|at|on|around))\s+(?:the\s+)?"
            ),
            followed_by(rf"\s+{RELEASE}\b"),
        ),
        *_not_a_feature,
        keys=r"\s(?:day|eve|weekend|holiday)\b",
        cased=True,
    ),
    rule(
        "march and may",
        rf"""
        # "March" and "May" as dates: "by March", "in May", "March 15", "mid-May"
        \b(?:[Bb]y|[Ii]n|[Uu]ntil|[Tt]ill|[Bb]efore|[Aa]fter|[Ss]ince|[Ff]rom|[Dd]uring|[Ee]arly
          |[Mm]id|[Ll]ate|[Tt]hrough|for|of|[Ee]nd\s+of|[Ss]tart\s+of)[-\s]+{MONTH_WORDS}\b
        | \b{MONTH_WORDS}\s+(?:\d{{1,2}}(?:st|nd|rd|th)?|20\d\d)\b
        """,
        *_not_a_feature,
        STARTS_IN,
        preceded_by(r"\b(?:every|each|any|per|for\s+(?:each|every|any))\s+"),
        keys=r"march|may",
        cased=True,
    ),
    rule(
        "fiscal codes",
        r"""
        # "Q3", "Q4 2026", "3Q", "H2", "1H next year", "FY27" ("Q4にリリース": no \b after Q4)
        (?<![A-Za-z0-9])(?:[QH][1-4]|[1-4][QH])(?![A-Za-z0-9])
          (?:\s*(?:FY\s*)?'?(?:20)?\d\d\b)?
        | (?<![A-Za-z0-9])FY\s*'?\d{2,4}(?![A-Za-z0-9])
        """,
        *_not_a_feature,
        followed_by(r"-over-"),
        preceded_by(r"\b(?:the\s+)?(?:current|previous|last|prior|same|each|every|any|per)\s+"),
        preceded_by(DATA_ROWS + r"(?:the\s+)?"),
        keys=r"q1|q2|q3|q4|h1|h2|h3|h4|1q|2q|3q|4q|1h|2h|3h|4h|fy",
        cased=True,
    ),
]
# The past holds for every category.
RULES = everywhere(RULES, PAST)
