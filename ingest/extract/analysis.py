"""Read each message paragraph by paragraph: what is boilerplate, what answers.

This is the shared first pass of extraction. Every message is split into its
own words (quoted thread dropped), rebuilt into paragraphs, and each paragraph
gets a *kind* (salutation, signature, complaint rights, echoed request...) and
*flags* (cites an exemption, says information is not held, signposts, gives
figures...). Message classification, the outcome, the exemption statuses and
the passages are all decided from these facts, so the rules live in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from foi_search.core.domain import Document

from .exemptions import Citation, cost_limit_exceeded, find_citations, mention_reason, sentence_at
from .text import clean_message, echo_ratio, paragraphs, shingles, speed_up_ignorecase

# -- boilerplate --------------------------------------------------------------

_SALUTATION = re.compile(r"^(?:dear|hi|hello|good (?:morning|afternoon|evening))\b.{0,60}$", re.I)
_CLOSING = re.compile(
    r"^(?:yours (?:sincerely|faithfully|truly)|(?:with )?(?:kind|best|warm)? ?(?:regards|wishes)|many thanks|regards|sincerely)\b[\s,.!]*(?:\S+\s*){0,6}$",
    re.I,
)
_SUBJECT_LINE = re.compile(
    r"^(?:re|fw|fwd)?\s*[:–-]?\s*(?:internal review of )?(?:freedom of information|environmental information|foi|eir)\b[^.]{0,60}\b(?:request|reference|ref)\b[^.]{0,60}$"
    r"|^(?:our |your |my )?ref(?:erence)?(?: number| no\.?)?\s*[:.]\s*\S+(?:\s+\S+){0,3}\s*$"
    r"|^(?:re|subject)\s*:",
    re.I,
)
_COMPLAINT = re.compile(
    r"^(?:if you (?:are|remain|were|feel)\b.{0,50}(?:unhappy|dissatisfied|not (?:happy|satisfied|content)|aggrieved)"
    r"|if you (?:wish|want|would like|are not content|disagree)\b.{0,40}(?:complain|review|appeal|ask for|challenge)"
    r"|you (?:have the right|are entitled|can ask for an internal review|may (?:ask|request|complain|apply|also)|can (?:complain|contact the information))"
    r"|should you (?:wish|be|remain)\b.{0,60}(?:review|complain|dissatisf|unhappy)"
    r"|for further details\.?$|generally,? the ico|internal review requests should|complaints? (?:and|or) (?:appeals?|review)"
    r"|the information commissioner(?:['’]s office)? (?:can|may|is|will)|information commissioner['’]s office,? wycliffe)"
    r"|wycliffe house|ico\.org\.uk|ico\.gov\.uk|make-a-complaint|casework@ico|section 50 of the (?:freedom|foi|act)|0303 123|\bhelpline\b"
    r"|^are you (?:dissatisfied|unhappy)|entitled to ask\b.{0,80}\b(?:look again|review|reconsider)|any decision may be reviewed"
    r"|took no part in the original decision|apply to the information commissioner|under section 50\b",
    re.I,
)
#: A heading after which the rest of a letter is the complaint-rights notice.
_COMPLAINT_HEADING = re.compile(
    r"^(?:complaint rights|your rights?(?: to complain| (?:of|to) appeal| to (?:a |an )?(?:internal )?review| to (?:ask for|request|seek) (?:a|an) (?:internal )?review)?|"
    r"rights? (?:of|to) (?:appeal|complain|complaint|review)|"
    r"complaints? (?:procedure|and appeals?)|how to complain|appeals? procedure|(?:requesting an? )?internal review|"
    r"(?:the )?information commissioner(?:['’]s office)?|if you are (?:dissatisfied|unhappy))\s*:?$",
    re.I,
)
_COMPLAINT_SOFT = re.compile(r"review|commissioner|complain|dissatisf|unhappy|appeal|section 50|working days|reconsider|\bico\b|tribunal", re.I)
_REUSE = re.compile(r"open government licen[cs]e|re-?use (?:of )?(?:the )?information|re-?using the information|copyright|attribution statement", re.I)
_DISCLAIMER = re.compile(
    r"this e-?mail|intended (?:solely )?for the|virus|misdirected|not the intended recipient|protectively marked|please don['’]t print|"
    r"privileged and confidential|monitored and recorded|email disclaimer",
    re.I,
)
_CONTACT_LINE = re.compile(
    r"^(?:p\.?o\.? box|tel(?:ephone)?\b|e-?mail\b|web(?:site)?\b|mobile\b|fax\b|address\b|sign up|follow us|www\.|"
    r"[a-z]+(?: [a-z]+)*,? [a-z]{1,2}\d{1,2}[a-z]?\s?\d[a-z]{2}$|\[?(?:phone|email|name|link|address|postcode)\]?$|link: file-list)",
    re.I,
)
_CONTACT_OFFER = re.compile(
    r"^(?:if you have any (?:further )?(?:queries|questions|concerns)|please (?:do not|don['’]t) hesitate|please contact us|in the meantime|"
    r"i hope (?:this|the|that)|we hope (?:this|the|that)|should you have any|any (?:further )?queries|if you require any further|"
    r"note:? please do not (?:edit|change) the subject|please (?:do not|don['’]t) (?:edit|change) the subject)",
    re.I,
)
_ACK = re.compile(
    r"thank you for your (?:recent |further |follow[- ]up )?(?:request|e-?mail|clarification|message|enquiry|letter|information request|correspondence|freedom of information)"
    r"|(?:we|which we) received on|has (?:now )?been logged|been logged as|will be dealt with|we must respond|must respond to (?:you|your)|"
    r"reference number for your request|you should (?:expect to )?(?:hear|receive)|within 20 working days|20 working day clock|"
    r"will be carried out by a member of the team|code of practice does allow us to extend|if we need more time to complete|"
    r"online form|bookmark this link|linked directly to our systems|mailbox (?:will not|is not) (?:be )?monitored|inbox is not being monitored|"
    r"happy holidays|out of (?:the )?office|global covid-19 pandemic|backlog of requests|has been forwarded to the appropriate|"
    r"forwarded (?:it )?to the appropriate|we are sorry to hear that you are not happy|acknowledge your request",
    re.I,
)
_RESPONSE_MARKER = re.compile(
    r"(?:find|see|set out)\b[^.]{0,60}\b(?:response|reply|answers?)\b|"
    r"\bour response\s*(?::|$|is (?:as follows|below|set out)|below|to your (?:request|questions?) (?:is|are|below|as follows))|response (?:is|to your request) (?:below|set out|as follows)|"
    r"\bin response to your (?:request|freedom|foi|e-?mail)|i have (?:today )?decided|i am (?:now )?(?:able|writing) to (?:respond|provide)|"
    r"we are (?:now )?(?:able|in a position) to (?:respond|provide|answer)|(?:the|our) (?:answer|response)s? (?:to your (?:request|questions?)|(?:is|are) (?:as follows|below|attached|set out))|"
    r"^(?:answer|response|reply)\s*[:\-]|please see (?:the )?(?:attached|below|response)|please find (?:attached|enclosed|below)|"
    r"(?:attached|enclosed|attach|enclose) (?:our|the|a|my) (?:formal |full )?(?:response|reply|decision|answer)|"
    r"you requested\b|you asked\b|your request(?:ed)? (?:was|for)\b.{0,40}(?:our response|we can)",
    re.I,
)

# -- message-level cues ---------------------------------------------------------

_CLARIFY = re.compile(
    r"would like to (?:further )?clarify|(?:please|could you|can you)\b[^.]{0,40}\bclarif|clarification (?:is|regarding|on|of)\b|"
    r"let us know your full name|not given us your full name|full name to enable|verification of your identity|verify your identity|"
    r"cannot (?:process|consider) (?:your|this)[^.]{0,40}(?:name|valid)|not (?:a )?valid request|before we can (?:begin|continue) to process|"
    r"which (?:foi|request) is this|could you (?:please )?confirm (?:which|what|whether you)|do you still (?:want|wish|require)|"
    r"still (?:want|wish|require) us to (?:respond|answer|process)|ask if you still want|"
    r"(?:section|s\.?) ?1\(3\)|once we (?:have )?receive(?:d)? (?:your|the) clarification",
    re.I,
)
_EXTENSION = re.compile(
    r"extend(?:ing|ed)? (?:the|this|our)? ?(?:deadline|time|limit|response)|extension|regulation 7\(1\)|section 10\(3\)|"
    r"(?:not|unable to) (?:be able to )?(?:provide|send|meet|respond)[^.]{0,60}(?:within|by) the (?:initial )?(?:timescale|deadline|time)|"
    r"apologi[sz]e (?:for|that)[^.]{0,50}(?:delay|not (?:meeting|responding|answering|sending)|missing|late|failing)|"
    # "apologies for the delay in providing this response" opens a (late) response; it extends nothing.
    r"(?:sorry|apologies)(?: again)? for (?:the |this |any |our )?(?:delay|late)(?![^.]{0,20}\bin (?:providing|sending) (?:this|our|the) (?:response|reply))|actively working on your request|we (?:will|aim to|expect to|hope to) "
    r"(?:provide|send|supply|complete|respond|get|reply|be in touch)[^.]{0,80}(?:as soon as|by|within|this week|next week|on \d|soonest)|"
    r"(?:new )?target date|not (?:quite )?finished|grant us (?:another|more|a further)|in a position to (?:reply|respond) (?:to you )?(?:by|within|in)",
    re.I,
)
_IR_RESPONSE = re.compile(
    r"(?:carried out|conducted|completed|undertaken|concluded)\b[^.]{0,40}\b(?:internal )?review\b|review (?:has been|was) (?:conducted|carried out|completed)|"
    r"response to your (?:request for an )?internal review|responding to your (?:request for (?:an )?)?internal review|"
    r"internal review (?:response|outcome|decision)|review decision|outcome of (?:the|your|my) (?:internal )?review|"
    r"regarding the internal review you requested|in relation to your internal review|attach(?:ed)? our (?:full )?(?:analysis|internal review|review)|"
    r"\breview\b[^.]{0,80}\b(?:has been|was|have been) (?:conducted|carried out|completed|undertaken)|"
    r"(?:original|previous|initial) (?:position|decision|response|refusal) (?:should be |is |has been |was )?upheld|"
    r"\buph[eo]ld(?:ing)? (?:the|our) (?:original|previous|initial|council['’]s)|(?:not )?uphold(?:ing)? your complaint|"
    r"(?:not )?changing our (?:original |previous )?response",
    re.I,
)
_IR_OVERTURN = re.compile(
    r"(?:do|does|did|have|has) not uphold (?:the|our) (?:original|previous|initial) (?:decision|response|refusal)|overturn|"
    r"should (?:have been|be) (?:disclosed|released)|should not have been (?:withheld|refused|applied)|"
    r"(?:no longer|not) (?:rely|relying|maintain|maintaining)|(?:decided|now able) to (?:release|disclose) the information (?:previously|that was|which was) withheld|"
    r"original (?:decision|response) (?:was|is) (?:not|in)correct",
    re.I,
)
_VOID_PREVIOUS = re.compile(
    r"sent (?:to you )?in error|please disregard|disregard (?:our|the|this|that) (?:previous|earlier|last)?|(?:which|that|it) was (?:wrong|incorrect|sent in error)|"
    r"(?:we are|we're) replacing it|replaces? (?:our|the) (?:previous|earlier|original) (?:response|reply|e-?mail)|please ignore (?:our|the|this|that) (?:previous|earlier|last)",
    re.I,
)
_PENDING = re.compile(
    r"partial response|(?:providing|sending|supplying) (?:\w+ )?(?:now|today) and (?:the|will)|"
    r"(?:will|we['’]ll) (?:provide|send|supply|forward)\b[^.]{0,40}\b(?:rest|remaining|remainder|outstanding|further information|third|other (?:parts?|elements?|questions?))|"
    r"currently collating (?:all )?(?:the )?(?:further|remaining|rest)|still (?:being )?(?:collated|collating|gathering)|to follow (?:shortly|separately)",
    re.I,
)
_WITHDRAW_OUT = re.compile(
    r"\b(?:i|we) (?:would like to |wish to |want to |am |will )?(?:withdraw|cancel)(?:ing)? (?:my|this|the) (?:foi |freedom of information )?request|"
    r"please (?:withdraw|cancel|close) (?:my|this|the) request|(?:consider|treat) (?:my|this|the) request (?:as )?(?:withdrawn|closed)|no longer (?:need|require|want) (?:the|this) information",
    re.I,
)
_IR_REQUEST_OUT = re.compile(
    r"internal review|conducts freedom of information reviews|request (?:a|an) review|review (?:of )?(?:your|the) (?:decision|response|handling)|appeal (?:against )?(?:your|the|this) decision",
    re.I,
)
_CHASE_OUT = re.compile(
    r"overdue|still (?:not )?(?:awaiting|waiting|not received|not had|haven['’]t)|no response|not (?:yet )?(?:received|had) (?:a|any) (?:response|reply)|"
    r"deadline|by law|legally (?:required|obliged)|20 working days|chase|reminder|any update|an update|when (?:can|will|should) i (?:expect|receive)|"
    r"please (?:respond|reply|provide)[^.]{0,30}(?:asap|urgently|as soon|immediately|promptly)|refer (?:this|the matter) to the ico|complaint to (?:the )?ico",
    re.I,
)
_CLARIFY_OUT = re.compile(r"clarif|my (?:full )?name is|full name|to confirm,|in answer to your question|in response to your (?:question|query)", re.I)

# -- content cues ---------------------------------------------------------------

_REFUSAL = re.compile(
    r"exempt (?:from disclosure|information|under)|(?:is|are|been|being) (?:exempt|withheld|redacted|refused)|\bwithh(?:e|o)ld|\bredact|"
    r"\brefus(?:e|al|ing)\b|\bdeclin(?:e|ing)\b|not (?:be )?(?:able|obliged|required) to (?:provide|disclose|release|comply|supply)|"
    r"cannot (?:be )?(?:provided|disclosed|released|provide|disclose|release|supply)|unable to (?:provide|disclose|release|supply|comply|answer)|"
    r"exception (?:applies|under|at|is engaged)|(?:exemption|exception)s?\b[^.]{0,40}\b(?:has|have) been applied|\b(?:we|i) (?:have )?applied (?:the |an |this )?(?:exemption|exception)|refusal notice|\bremoved (?:under|in line with|in accordance with) (?:section|regulation|s\.?\s?\d)|(?:neither|not) (?:to )?confirm (?:n)?or deny|suppressed|exemption(?:s)? (?:applies|apply|is engaged|set out)",
    re.I,
)
_NOT_HELD = re.compile(
    r"\b(?:is|are|was|were) not held|\bnot held\b|no (?:recorded |relevant |such )?(?:information|data|records?|documents?) (?:is |are |was |were )?(?:held|exists?|recorded|kept)|"
    r"\b(?:we|council|authority|department|service|trust|force|it|they|i) (?:does|do|did) not (?:hold|keep|record|retain|collect|capture)\b|"
    r"\b(?:do|does|did) not have (?:(?:any|a|an|the|this|that|such|these)\s+)?(?:recorded\s+|formal\s+|written\s+)?"
    r"(?:information|data|records?|details|figures|breakdown|polic(?:y|ies)|documents?|reports?|list|register|log|framework|strategy|guidance)\b|"
    r"\b(?:does|do|did|will) not (?:individually |separately |specifically |centrally )?(?:record|hold|capture|collect)\b|"
    r"\b(?:we|i|they)\s+don['’]t (?:hold|keep|record)\b|\b(?:we|i|they)\s+don['’]t have (?:(?:any|a|an|the|this|that|such)\s+)?"
    r"(?:information|data|records?|details|figures|polic(?:y|ies)|documents?|reports?|list|framework)\b|\bhold no (?:recorded )?(?:information|data|records)|"
    r"no (?:data|information|records?) (?:is|are) (?:still )?held|\bnot (?:been )?recorded\b|(?:is|are) not (?:centrally )?recorded|"
    r"(?:do|does|did|can)(?: not|n['’]t) (?:break down|break this down|breakdown)|(?:cannot|unable to) (?:break|be broken) (?:down|this down)|"
    r"(?:information|data|figures?|breakdown|records?)(?: requested)? (?:is|are) not (?:available|collected|captured|kept|retained)|^not available\b|"
    r"\bno longer (?:held|retained|kept|available)|not (?:held|retained|kept) by (?:the|this|us|our|[a-z]+ (?:city|county|borough|district|metropolitan)\b)|does not exist|do not exist|"
    r"there (?:is|are) no (?:recorded )?(?:information|records?|documents?|data|reports?|surveys?)\b|"
    r"\bconfirm that (?:we|it|the (?:council|trust|authority|department|force)) (?:do|does) not(?: hold\b|\s*[.;,]|\s*$)",
    re.I,
)
#: Something was kept back, with or without a named ground.
_WITHHELD = re.compile(
    r"\b(?:has|have|had|been|were|was|is|are)\s+(?:been\s+)?(?:withheld|redacted|suppressed)\b|\bremoved (?:under|in line with|in accordance with) (?:section|regulation|s\.?\s?\d)|(?<![\w<])<\s?\d{1,2}\b|"
    r"\b(?:less|fewer) than (?:5|10|five|ten)\b|\bwe have (?:withheld|redacted|removed)\b",
    re.I,
)
_NOT_WITHHELD = re.compile(r"\b(?:nothing|none|no information|no part|not)\b", re.I)
_UNABLE_PROVIDE = re.compile(r"(?:unable|not able|cannot|can['’]t) (?:to )?(?:provide|answer|supply)\b", re.I)
_SIGNPOST = re.compile(
    r"\bavailable (?:at|on|from|via|online|to view|in the|here)|\bpublish(?:ed|es)? (?:on|at|in|by|online|some|all|details|the|data|information)|"
    r"can be (?:found|viewed|accessed|read|located|downloaded|obtained|seen)|found (?:at|on|via|here)|following links?|at the link|"
    r"via (?:the|this) link|(?:our|the council['’]?s?|their) (?:website|web ?pages?|web site|open data)|\[link\]|https?://|www\.|named here|"
    r"please see (?:our|the) (?:nationally |published )|publicly available|in the public domain|land registry",
    re.I,
)
_ADVICE = re.compile(
    r"section 16\b|s\.?16\b|advice and assistance|^advice\s*[:\-–]|narrow(?: down)? (?:the|your) (?:focus|request|scope)|refine (?:your|the) request|"
    r"reduc(?:e|ing) the (?:scope|time ?frame|timeframe)|(?:could|may) be able to (?:provide|produce)|specify (?:keywords|a)|"
    r"consider (?:a )?(?:specific|narrow)",
    re.I,
)
_PIT = re.compile(
    r"public interest test|factors? (?:in favour|for and against|favouring)|public interest (?:in|arguments?|factors?|considerations?) "
    r"(?:in favour|for|against|favouring|maintaining|disclos)|balance of (?:the )?public interest|(?:on|in) balance\b[^.]{0,60}public interest|"
    r"public interest in (?:maintaining|disclos|withholding)|public interest (?:lies|favours|rests|outweighs)|outweighs? the public interest|"
    r"public interest (?:\w+ ){0,2}(?:lies|lie|resides?|rests?) (?:in|with)",
    re.I,
)
_PIT_NEGATED = re.compile(
    r"not subject to (?:a|the) public interest|no (?:requirement|need) (?:for us )?to (?:carry out|conduct|apply) a public interest|"
    r"(?:absolute|no) (?:exemption|public interest test)[^.]{0,60}(?:no|not) (?:requirement|required|need)|"
    r"does not require (?:a|the) public interest|without (?:a|the) public interest|there is no public interest test",
    re.I,
)
_NCND = re.compile(r"neither (?:to )?confirm(?:s|ing)? (?:n)?or deny|\bncnd\b|neither confirms? nor denies", re.I)
_HARM = re.compile(
    r"prejudice|would be likely to|adversely affect|\bharm\b|damag(?:e|ing)|\brisk\b|vulnerab|endanger|undermine|jeopardi|"
    r"commercial(?:ly)? sensitive|competitive (?:position|advantage)|criminals?|fraud",
    re.I,
)
_REASONING = re.compile(
    r"estimat|would take|would need to|would require|per (?:record|case|file|document|item|email)|manual(?:ly)? (?:search|review|check|extract)|"
    r"hours? (?:to|of) (?:locate|collate|search|extract|officer)|cost limit|appropriate limit|exceed|personal data|data protection|"
    r"gdpr|legitimate (?:interest|expectation)|confiden|prejudice|in the public interest|public interest in|fair(?:ly|ness)?\b|lawful|"
    r"\b\d[\d,]*\s+(?:items|e-?mails|documents|records|files|messages|pages|gb|mb)\b|\bin scope\b",
    re.I,
)
_ATTACHED = re.compile(
    r"\b(?:please )?(?:find|see|refer to) (?:the )?(?:attached|enclosed|attachment|accompanying)|(?:is|are|been|has been|have been) (?:attached|enclosed)|"
    r"\battached (?:is|are|to this|please find|document|spreadsheet|file|report|list|copy|table|shapefile|information|pdf|excel)|"
    r"\bwe (?:are|have) (?:attaching|attached|enclosed|enclosing|supplied|provided)|\bi (?:have )?(?:attach|enclose)|"
    r"\bin the attach|accompanying (?:spreadsheet|document|file)|\b(?:see|find) attachment|spreadsheet (?:attached|enclosed)|"
    r"(?:is|are) now attached|enclosed with this|(?:a|the) copy of (?:the|our)\b[^.]{0,40}(?:attached|enclosed)|\(enclosed\)|"
    r"please see attached|see attached",
    re.I,
)
_DECIDED_DISCLOSE = re.compile(
    r"decided to (?:disclose|release|provide) (?:some|part|all|the|this)|(?:i|we) (?:have|can) (?:disclosed|released|provided) (?:the|some|all)|"
    r"(?<!so that )(?<!before )(?<!order that )(?<!until )we can (?:confirm|advise|provide)\b|below is (?:the|your)|(?:is|are) (?:as follows|shown below|set out below)|"
    r"the outstanding information",
    re.I,
)
_YESNO = re.compile(r"^(?:[-•○◦·*]\s*)?(?:answer\s*:?\s*)?(?:yes|no|none|zero|nil|n/?a|not applicable)\b(?![-\w])", re.I)
_ANSWER_LABEL = re.compile(
    r"^(?:[-•○◦·*]\s*)?(?:(?:our |the )?(?:answer|response|reply)|a\d{0,2}|q\d{1,2}(?:\s?\(?[a-z]\)?)?)\s*[:\-–](?=\s*\S)", re.I
)
_ANY_DIGIT = re.compile(r"\d")
_NUM_TOKEN = re.compile(r"(?<![\w/.])£?\d[\d,]*(?:\.\d+)?%?(?![\w/])")
_NON_FACT_NUMBERS = re.compile(
    r"\b(?:foi|eir|ir|rfi|ref(?:erence)?|case|no\.?)(?:\s+id)?\s*[/:#-]?\s*\d[\d\s/-]*|\b(?:section|sections|s\.|regulation|regulations|reg\.?|article|(?:sub-?)?paragraph|para|part|schedule|sch\.?|class|question|q|point|points|page|pages|level|floor|room|unit)\s*\(?\d+[a-z]?\)?(?:\s?\(\w{1,3}\))*|\(\d{1,2}[a-z]?\)"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s*\^?(?:st|nd|rd|th)?\s*(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s+\d{4})?"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:\d{4}\b|\d{1,2}(?:st|nd|rd|th)?\b(?:,?\s+\d{4}\b)?)"
    r"|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b|\b20 working days|\b40 working days|\b18 hours|£\s?450|£\s?600|\b24 hours"
    r"|\bpo box \d+|\b[a-z]{1,2}\d{1,2}\s?\d[a-z]{2}\b|\b(?:19|20)\d\d\b|\[\w+\]|\bact \d{4}|\b\d[\d,]*(?:\.\d+)?\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|working days?)\b",
    re.I,
)
_LIST_START = re.compile(r"^\s*(?:[-•○◦·*]\s*)?(?:\(?\d{1,2}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}[.)]|q\d{1,2}[.:)]?)\s+", re.I)


@dataclass
class Para:
    """One paragraph of one message, with what it is and what it says.

    Attributes:
        text: The paragraph (an echoed question prefix already removed).
        kind: ``content``, ``echo``, ``salutation``, ``closing``, ``signature``,
            ``complaint_rights``, ``reuse``, ``disclaimer``, ``contact``,
            ``ack``, ``subject`` or ``admin``.
        flags: Content cues: ``refusal``, ``not_held``, ``signpost``,
            ``advice``, ``pit``, ``harm``, ``reasoning``, ``attached``,
            ``numeric``, ``yesno``, ``answer``, ``answer_slot``, ``ncnd``,
            ``decided_disclose``, ``pending``.
        citations: Exemption citations in the paragraph with their status.
        question: The echoed question this paragraph answers, if any.
    """

    text: str
    kind: str = "content"
    flags: set[str] = field(default_factory=set)
    citations: list[Citation] = field(default_factory=list)
    question: str | None = None


@dataclass
class MessageFacts:
    """What one message says.

    Attributes:
        index: Position in ``doc.messages``.
        direction: ``incoming`` or ``outgoing``.
        kind: One of :data:`foi_search.core.domain.MESSAGE_KINDS`.
        paras: The message's own paragraphs.
        attachments: Attachment file names listed with it.
        voided: A later message withdrew it ("sent in error", "was wrong").
        voids_previous: It withdraws an earlier response.
        overturns: An internal review that reverses the earlier decision.
    """

    index: int
    direction: str
    kind: str = "other"
    paras: list[Para] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    quoted: str = ""
    voided: bool = False
    voids_previous: bool = False
    overturns: bool = False

    def content(self) -> list[Para]:
        """Paragraphs that carry the message's substance."""
        return [p for p in self.paras if p.kind == "content"]

    def has(self, flag: str) -> bool:
        """Whether any content paragraph has ``flag``."""
        return any(flag in p.flags for p in self.content())

    def text(self) -> str:
        """The content paragraphs joined."""
        return "\n".join(p.text for p in self.content())


_SENT_SPLIT_RE = re.compile(r"(?<=[.?!:])\s+(?=[A-Z0-9•(\"“‘'£])")
_MARKER_ONLY = re.compile(r"^(?:\(?[0-9]{1,2}|[a-z]|[ivx]{1,4}|q\d{1,2}|no|ref|e\.g|i\.e|mr|mrs|ms|dr|st)[.):]?$", re.I)


class _Splitter:
    """Sentence splitter that keeps list markers ("1.") with their sentence."""

    @staticmethod
    def split(text: str) -> list[str]:
        parts = _SENT_SPLIT_RE.split(text)
        out: list[str] = []
        for part in parts:
            if out and _MARKER_ONLY.match(out[-1].strip()):
                out[-1] = out[-1] + " " + part
            else:
                out.append(part)
        return out


_SENT_SPLIT = _Splitter()


_LEAD_IN = re.compile(r"^(?:you (?:requested|asked(?: for)?)|your request|question\s*\d*|request(?:ed)?|q\d+)\s*:?$", re.I)
_ANSWER_SEP = re.compile(r"\?\s+|\s[-–—]\s|:\s+|\s=\s")


def _echo_tail(text: str, echo: set[tuple[str, ...]]) -> str | None:
    """The answer written after an echoed question ("... 2023 - 52,258"), if any."""
    for m in reversed(list(_ANSWER_SEP.finditer(text))):
        tail = text[m.end():].strip()
        if (
            tail
            and len(tail.split()) <= 40
            and echo_ratio(tail, echo, 2) < 0.5
            and (len(tail.split()) > 1 or re.search(r"\d|yes|no", tail, re.I))
        ):
            return tail
        break
    return None


def _is_echo(text: str, echo: set[tuple[str, ...]]) -> bool:
    n_words = len(text.split())
    if n_words >= 3:
        return echo_ratio(text, echo, 3) >= 0.6
    return n_words == 2 and echo_ratio(text, echo, 2) >= 0.99


def _strip_echo(text: str, echo: set[tuple[str, ...]]) -> tuple[str, str | None, bool]:
    """Remove echoed request text from a paragraph of a reply.

    Authorities often repeat each question before answering it, sometimes in
    the same paragraph ("2. How many...? 1,279"), sometimes with the answer
    first. Sentences that repeat the request are set aside as the question.

    Returns:
        ``(remaining_text, echoed_question, whole_paragraph_was_echo)``.
    """
    if not echo:
        return text, None, False
    if _is_echo(text, echo):
        tail = _echo_tail(text, echo)
        if tail:
            return tail, text[: len(text) - len(tail)].strip(), False
        sentences = _SENT_SPLIT.split(text)
        if len(sentences) < 2:
            return "", text, True
    sentences = _SENT_SPLIT.split(text)
    if len(sentences) < 2:
        return text, None, False
    kept: list[str] = []
    asked: list[str] = []
    leading = False
    for i, sent in enumerate(sentences):
        if _is_echo(sent, echo) or (i == 0 and _LEAD_IN.match(sent)):
            tail = _echo_tail(sent, echo)
            if tail:
                asked.append(sent[: len(sent) - len(tail)].strip())
                kept.append(tail)
            else:
                asked.append(sent)
            if not kept or (tail and len(kept) == 1):
                leading = True
        else:
            kept.append(sent)
    if not asked:
        return text, None, False
    if not kept:
        return "", text, True
    # Only a question repeated at the start marks the paragraph as its
    # answer; a phrase of the request quoted mid-argument does not.
    return " ".join(kept), (" ".join(asked) if leading else None), False


def _is_numeric_fact(text: str) -> bool:
    """Whether a paragraph states figures (not dates, references or limits)."""
    if not _ANY_DIGIT.search(text):
        return False
    if "│" in text or "┃" in text:
        return bool(re.search(r"\d", text))
    stripped = _LIST_START.sub("", text, count=1)
    stripped = _NON_FACT_NUMBERS.sub(" ", stripped)
    return bool(_NUM_TOKEN.search(stripped))


def _paragraph_kind(p: str, after_closing: bool) -> str:
    low = p.lower()
    if after_closing:
        return "signature"
    if _SALUTATION.match(p) and len(p) < 80:
        return "salutation"
    if _CLOSING.match(p) and len(p) < 60:
        return "closing"
    if _SUBJECT_LINE.match(p) and len(p) < 140:
        return "subject"
    if _DISCLAIMER.search(p) and len(_DISCLAIMER.findall(p)) >= 2:
        return "disclaimer"
    if _COMPLAINT.search(p):
        return "complaint_rights"
    if _REUSE.search(p):
        return "reuse"
    if _CONTACT_LINE.match(p) and len(p) < 80:
        return "contact"
    if _CONTACT_OFFER.match(p) and len(p) < 250:
        return "contact"
    if re.fullmatch(r"[\W_]*", p) or low in {"thank you.", "thanks.", "thank you", "thanks"}:
        return "contact"
    if _ACK.search(p) and not _RESPONSE_MARKER.search(p) and not _REFUSAL.search(p) and not _NOT_HELD.search(p) and len(p) < 1000:
        return "ack"
    return "content"


_CAVEAT = re.compile(r"^(?:please )?note(?: that)?\b|^(?:these|the|this) (?:figures?|data|numbers?|totals?)\b", re.I)
_BECAUSE = re.compile(r"\b(?:because|as|since)\b", re.I)


def _says_not_held(p: str) -> bool:
    """Whether a paragraph says information is not held.

    A caveat on figures just given ("Please note that the figures cover all
    reasons, because the list does not record the type") explains what was
    released; it does not say part of the request is not held.
    """
    if not _NOT_HELD.search(p):
        return False
    for sent in _SENT_SPLIT.split(p):
        m = _NOT_HELD.search(sent)
        if m and not (_CAVEAT.match(sent) and _BECAUSE.search(sent[: m.start()])) and not _HYPOTHETICAL.search(sent[: m.start()]):
            return True
    return False


#: "If there is no document, please state...": a condition, not a statement that nothing is held.
_HYPOTHETICAL = re.compile(r"\b(?:if|whether|unless|in case)\b[^,;:]{0,60}$", re.I)
#: A sentence that asks for information: the request quoted back in a reply, not an answer.
_ASKS = re.compile(
    r"\bplease (?:provide|state|send|supply|confirm|list|give|tell|include|disclose|advise|indicate|explain|share|detail)\b|"
    r"\b(?:could|can|would) you (?:please )?(?:provide|send|supply|confirm|tell|let me know|advise|list)\b|"
    r"\bi (?:would like|wish|am requesting|request|am asking)\b|\bunder the freedom of information act,? (?:i|please)\b",
    re.I,
)


def _is_question(p: str) -> bool:
    """Whether a reply's paragraph is a question of the request quoted back (asks, gives nothing).

    General shape: it asks for information ("please provide", "could you
    tell me") or ends in a question mark, and carries no answer wording
    ("we", "the Trust", "our", figures after a colon).
    """
    t = p.strip()
    if len(t) > 700 or not t:
        return False
    if re.search(r"\b(?:we|our|us)\b|\bthe (?:trust|council|authority|department|force|university|service) (?:has|have|does|do|is|holds?|can)\b", t, re.I):
        return False
    return bool(_ASKS.search(t)) or t.endswith("?")


def _flags(p: str) -> set[str]:
    f: set[str] = set()
    if _REFUSAL.search(p):
        f.add("refusal")
    if _says_not_held(p):
        f.add("not_held")
    if _SIGNPOST.search(p):
        f.add("signpost")
    if _ADVICE.search(p):
        f.add("advice")
    if _PIT.search(p) and not _PIT_NEGATED.search(p):
        f.add("pit")
    if _NCND.search(p):
        f.add("ncnd")
    if _HARM.search(p):
        f.add("harm")
    if _REASONING.search(p):
        f.add("reasoning")
    if _ATTACHED.search(p):
        f.add("attached")
    if _is_numeric_fact(p):
        f.add("numeric")
        for i, sent in enumerate(_SENT_SPLIT.split(p)):
            if _REASONING.search(sent) or _REFUSAL.search(sent):
                break  # figures after the refusal starts are its reasoning
            if _is_numeric_fact(sent) and not _NOT_HELD.search(sent):
                f.add("numeric_clean")
                f.add("lead_numeric")
                break
        if "numeric_clean" not in f and any(
            _is_numeric_fact(sent) and not (_REASONING.search(sent) or _REFUSAL.search(sent) or _NOT_HELD.search(sent))
            for sent in _SENT_SPLIT.split(p)
        ):
            f.add("numeric_clean")
    if _YESNO.match(p) and len(p) < 300:
        f.add("yesno")
    if _ANSWER_LABEL.match(p):
        f.add("answer")
    if _DECIDED_DISCLOSE.search(p):
        f.add("decided_disclose")
    if _PENDING.search(p):
        f.add("pending")
    if _UNABLE_PROVIDE.search(p):
        f.add("unable")
    for m in _WITHHELD.finditer(p):
        start = max(p.rfind(". ", 0, m.start()), 0)
        if not _NOT_WITHHELD.search(p[start:m.end()]):
            f.add("withheld")
            break
    return f


_MARKER_PREFIX = re.compile(r"^(.{0,160}?\b(?:response|reply|answers?)\b[^:]{0,40}:)\s+(\S.{20,})$", re.S)


def _split_marker(paras: list[str]) -> list[str]:
    """Split "Please find our response below: The council has..." into announcement and answer."""
    out: list[str] = []
    for p in paras:
        m = _MARKER_PREFIX.match(p)
        if m and _RESPONSE_MARKER.search(m.group(1)):
            out.extend([m.group(1), m.group(2)])
        else:
            out.append(p)
    return out


def _split_complaint(paras: list[str]) -> list[str]:
    """Split a paragraph whose last sentences are the complaint-rights notice.

    Hard-wrapped e-mails often run the decision and "If you remain
    dissatisfied, you may complain..." into one paragraph; the decision must
    not be read as boilerplate with it.
    """
    out: list[str] = []
    for p in paras:
        if not _COMPLAINT.search(p):
            out.append(p)
            continue
        sentences = _SENT_SPLIT.split(p)
        cut = next((i for i, sent in enumerate(sentences) if i and _COMPLAINT.search(sent)), None)
        if cut is None or _COMPLAINT.search(" ".join(sentences[:cut])):
            out.append(p)
        else:
            out.extend([" ".join(sentences[:cut]), " ".join(sentences[cut:])])
    return out


_HEADING_END = re.compile(r"[.?!;,]$")


def is_heading(text: str) -> bool:
    """A short title line ("Our response", "Reason for decision"): no sentence, no answer."""
    t = text.strip()
    return (
        len(t) < 70
        and len(t.split()) <= 9
        and not _HEADING_END.search(t)
        and ":" not in t.rstrip(":")  # "Assistant Director: A Name" is a labelled answer
        and not _is_numeric_fact(t)
    )


def _mark_letterhead(facts: MessageFacts) -> None:
    """Lines above a letter's salutation (sender, address, date, title) are its letterhead, not content."""
    first = next((i for i, p in enumerate(facts.paras[:12]) if p.kind == "salutation"), None)
    if first is None:
        return
    for p in facts.paras[:first]:
        if p.kind == "content" and not p.citations and len(p.text) < 150 and not _HEADING_END.search(p.text.strip()):
            p.kind, p.flags = "contact", set()


def analyse_message(index: int, direction: str, text: str, echo: set[tuple[str, ...]], law_hint: str) -> MessageFacts:
    """Split one message into paragraphs and read each one."""
    cm = clean_message(text)
    facts = MessageFacts(index, direction, attachments=cm.attachments, quoted=cm.quoted)
    after_closing = False
    complaint_mode = False
    prev_echo: str | None = None
    parts = _split_marker(paragraphs(cm.body))
    if direction == "incoming":
        parts = _split_complaint(parts)
    for raw in parts:
        if direction == "incoming":
            remaining, question, whole = _strip_echo(raw, echo)
        else:
            remaining, question, whole = raw, None, False
        if whole:
            facts.paras.append(Para(raw, "echo"))
            prev_echo = question
            continue
        kind = _paragraph_kind(remaining, after_closing)
        if direction == "incoming" and kind == "content" and _is_question(remaining):
            # The request quoted back without a "You asked:" heading: it frames
            # the answers that follow, it answers nothing itself.
            facts.paras.append(Para(raw, "echo"))
            prev_echo = remaining
            continue
        if kind == "closing" and direction == "incoming":
            after_closing = True
        if direction == "incoming" and kind in ("content", "complaint_rights"):
            heading = len(remaining) < 60 and _COMPLAINT_HEADING.match(remaining.strip())
            if heading and (kind == "complaint_rights" or complaint_mode or not re.match(r"(?i)^(?:requesting an? )?internal review|^(?:the )?information commissioner", remaining)):
                complaint_mode = True
                kind = "complaint_rights"
            elif complaint_mode and kind == "content":
                if _COMPLAINT_SOFT.search(remaining) or len(remaining) < 60 and _COMPLAINT_HEADING.match(remaining.strip()):
                    kind = "complaint_rights"
                else:
                    complaint_mode = False
            elif kind == "complaint_rights":
                complaint_mode = True
        if kind == "signature":
            prev_echo = None
        para = Para(remaining, kind, question=question or prev_echo)
        if question:
            prev_echo = question
        if kind == "content":
            para.flags = _flags(remaining)
            if para.question:
                para.flags.add("answer_slot")
            if direction == "incoming":
                para.citations = find_citations(remaining, law_hint=law_hint)
        facts.paras.append(para)
    if direction == "incoming":
        _mark_trailing_signature(facts)
        _mark_letterhead(facts)
        _mark_refusal_blocks(facts)
        for name in cm.attachments:
            # "FOI 123 Section 12 refusal.docx": the file is the refusal notice.
            if _NOTICE_NAME.search(name):
                cites = [c for c in find_citations(name, law_hint=law_hint) if c.explicit]
                if cites:
                    facts.paras.append(Para(name, "attachment", {"refusal"}, cites))
                    continue
            decided = response_file_decision(name)
            if decided:
                # "Response not held.pdf", "Response information exempt.pdf": the reply letter is
                # attached and its name states the decision the e-mail only points to.
                facts.paras.append(Para(name, "attachment", decided))
    return facts


#: A reply letter sent as a file whose name states its decision.
_RESPONSE_FILE = re.compile(r"\b(?:response|reply|decision|notice|letter|outcome)\b", re.I)
_FILE_NOT_HELD = re.compile(r"\bnot held\b|\bnil return\b|\bno information held\b", re.I)
_FILE_REFUSED = re.compile(r"\bexempt\b|\brefus|\bwithheld\b|\bfee notice\b|\bvexatious\b|\bneither confirm\b", re.I)
_FILE_PARTLY = re.compile(r"\bpart(?:ial(?:ly)?|ly)?\b[^.]{0,30}\b(?:exempt|withheld|held|supplied)|\bsome (?:information )?(?:exempt|withheld|held)", re.I)


def response_file_decision(name: str) -> set[str]:
    """The decision flags a reply letter's file name states ("Response not held.pdf" -> not held), or none."""
    if not _RESPONSE_FILE.search(name):
        return set()
    if _FILE_PARTLY.search(name):
        return {"withheld"}
    if _FILE_NOT_HELD.search(name):
        return {"not_held"}
    if _FILE_REFUSED.search(name):
        return {"refusal", "withheld"}
    return set()


_NOTICE_NAME = re.compile(r"refus|notice|exempt|exception|withh", re.I)


_SIG_LINE = re.compile(r"^[A-Z0-9][\w&'’,()/.-]*(?:\s+[\w&'’,()/.-]+){0,8}$")


_ADDRESS_LINE = re.compile(
    r"^\d{1,4}[A-Za-z]?,? (?:[A-Z][a-z]+ ){1,4}(?:Street|Road|Lane|Avenue|Place|Square|Way|Drive|Court|House|Building|"
    r"Row|Hill|Gardens|Close|Terrace|Walk|Parade|Crescent|Park)\b[\w ,]*$|^[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}$"
)


def _looks_like_signature(p: str) -> bool:
    if len(p) > 70 or re.search(r"[.?!:;]$", p) or "│" in p:
        return False
    if _ADDRESS_LINE.match(p):
        return True
    if re.search(r"\d", re.sub(r"(?i)\b(?:po box|level|floor|room)\s*\d+|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|\b[A-Z]{1,2}\d{1,2}\b", " ", p)):
        return False
    if not _SIG_LINE.match(p):
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", p)]
    if not words:
        return True
    small = {"of", "and", "the", "for", "to", "in", "on", "at", "&"}
    caps = sum(1 for w in words if w[0].isupper() or w.lower() in small)
    return caps / len(words) >= 0.75


def _mark_trailing_signature(facts: MessageFacts) -> None:
    """Turn the sign-off block at the end of a letter (team, address) into ``signature``."""
    for p in reversed(facts.paras):
        if p.kind in ("signature", "disclaimer", "contact", "closing", "reuse", "complaint_rights", "echo"):
            continue
        if p.kind == "content" and _looks_like_signature(p.text):
            p.kind, p.flags, p.citations = "signature", set(), []
            continue
        break


_BLOCK_BREAK = re.compile(r"^(?:question|q)\s*\d|^\(?\d{1,2}[.)]\s|^\(?[a-z][.)]\s", re.I)


def _mark_refusal_blocks(facts: MessageFacts) -> None:
    """Flag paragraphs that continue a refusal's reasoning.

    The paragraphs after one that refuses under a named ground, up to the next
    echoed question or a new answer, explain that refusal (estimates of hours,
    what is published elsewhere, why data is personal); their figures are
    reasoning, not released information.
    """
    inside = False
    question = None
    for p in facts.paras:
        if p.kind == "echo":
            inside = False
            continue
        if p.kind != "content":
            continue
        if (
            inside
            and p.question == question
            and p.citations
            and all(not c.explicit for c in p.citations)
            and p.flags & {"reasoning", "harm", "pit"}
            and not p.flags & {"answer", "yesno", "attached"}
        ):
            # Cost or burden wording that goes on explaining the ground just
            # applied (estimates, counts of records) is still its reasoning.
            p.flags.add("refusal_block")
            continue
        if p.citations and "refusal" in p.flags or p.citations and any(not c.explicit for c in p.citations):
            inside, question = True, p.question
            continue
        if not inside:
            continue
        if (
            p.question != question
            or p.flags & {"answer", "yesno", "attached"}
            or "not_held" in p.flags and "reasoning" not in p.flags
            or "│" in p.text
            or _BLOCK_BREAK.match(p.text)
        ):
            inside = False
            continue
        p.flags.add("refusal_block")


def request_echo(doc: Document) -> list[set[tuple[str, ...]]]:
    """For each message, the word 3- and 2-grams the requester wrote before it.

    Only earlier messages count: a requester who later quotes the authority
    back must not turn the authority's own words into "echo".
    """
    out: list[set[tuple[str, ...]]] = []
    sh: set[tuple[str, ...]] = set()
    for m in doc.messages:
        out.append(sh)
        if m.direction == "outgoing":
            body = clean_message(m.text).body
            sh = sh | shingles(body, 3) | shingles(body, 2)
    return out


def mention_status(facts: MessageFacts) -> None:
    """Mark each citation of a message ``applied`` or ``mentioned``.

    Only substantive replies and internal review responses apply grounds;
    in acknowledgements, clarification requests and extension notices a
    section can only be under consideration. Within a reply, complaint-rights
    text never applies a ground, and the sentence around a citation can show
    it was only considered (see :func:`ingest.extract.exemptions.mention_reason`).
    """
    substantive = facts.kind in ("substantive", "internal_review_response")
    content = [p for p in facts.paras if p.kind == "content"]
    decisive = {"refusal", "withheld", "harm", "pit", "refusal_block", "ncnd"}
    for p in facts.paras:
        context_refuses = None
        for c in p.citations:
            if not substantive:
                c.status, c.reason = "mentioned", f"in a{'n' if facts.kind[0] in 'aeio' else ''} {facts.kind} message"
                continue
            if p.kind == "attachment":
                continue
            if p.kind != "content":
                c.status, c.reason = "mentioned", p.kind
                continue
            why = mention_reason(p.text, c)
            if why:
                c.status, c.reason = "mentioned", why
            elif facts.overturns and not p.flags & {"refusal", "withheld"}:
                # A review that reverses the decision names the grounds it
                # looked at ("the reasons given for applying section 43(2)").
                c.status, c.reason = "mentioned", "reviewed and not upheld"
            elif c.code == "s12" and cost_limit_exceeded(sentence_at(p.text, c.start)):
                continue  # "would exceed the appropriate limit under section 12" refuses by itself
            elif c.explicit and not p.flags & decisive:
                if context_refuses is None:
                    i = content.index(p)
                    near = content[max(0, i - 1):i] + content[i + 1:i + 2]
                    context_refuses = any(q.flags & decisive or q.citations for q in near)
                if not context_refuses:
                    # A section explained in passing ("privilege is protected
                    # under section 42"), with no refusal around it.
                    c.status, c.reason = "mentioned", "no refusal in context"
            elif not c.explicit and "refusal" not in p.flags and "reasoning" not in p.flags and not (
                c.code == "s21" and "signpost" in p.flags
            ):
                # ("Reasonably accessible" with the link to it is the s21 decision itself.)
                # Cost or "vexatious" wording alone, outside a refusal, is talk, not a decision.
                c.status, c.reason = "mentioned", "wording only"


speed_up_ignorecase(globals(), skip=())
