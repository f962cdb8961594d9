"""Misuse talk: per-category vocabulary, templates per ladder step, and tier markers.

A misuse post is a ladder template filled with one category's vocabulary, plus (often) a
sentence that betrays the actor's tier. The label comes from the template group chosen, never
from the words, so the tagger is judged on language, not on the generator's markers.
"""

# ruff: noqa: E501  (templates are data: one template per line reads better than wrapped ones)

# Each category fills the same slots: {things} (what gets produced), {venue} (where it goes),
# {aim} (why), {corpus} (what it is trained on), {proof} (evidence it worked),
# {worry} (how others describe the risk).
CATEGORY_VOCAB = {
    "spam": {
        "things": ["spam comments", "seo articles", "blog spam", "forum spam", "link spam posts", "comment spam", "spun articles"],
        "venue": ["wordpress comment sections", "random forums", "youtube comments", "old phpbb boards", "guestbooks", "blogspot blogs"],
        "aim": ["push my affiliate links", "rank a few money sites", "get backlinks", "drive traffic to my shop", "sell the links"],
        "corpus": ["a dump of scraped blog posts", "50k forum posts", "every article from a couple of niche sites", "my old spun content"],
        "proof": ["{n_big} comments went up and maybe {pct} got caught", "the money site went from page 5 to page 1", "akismet catches way less than it did with spun text"],
        "worry": ["comment spam that actually reads like a human", "endless seo garbage", "spam filters becoming useless"],
    },
    "phishing": {
        "things": ["phishing emails", "spear phishing emails", "lure emails", "fake invoice emails", "password reset emails", "scam texts"],
        "venue": ["company inboxes", "paypal users", "a list of uni emails", "small business owners", "old people on facebook"],
        "aim": ["get logins", "harvest creds", "get people to open the attachment", "get them to click the link"],
        "corpus": ["a leaked corporate mailbox", "the enron emails", "real invoices", "a bunch of real bank notification emails"],
        "proof": ["click rate went from {pct} to way higher", "{n_small} people entered their password already", "the lures get past the gateway filter"],
        "worry": ["personalised phishing at scale", "phishing emails without the broken english", "spear phishing for everyone"],
    },
    "disinformation": {
        "things": ["fake news articles", "propaganda posts", "political comments", "fake local news stories", "astroturf posts", "fake eyewitness accounts"],
        "venue": ["facebook groups", "political subreddits", "twitter replies", "local news comment sections", "whatsapp groups"],
        "aim": ["shift the conversation before the election", "make a fringe view look popular", "muddy the waters", "flood the hashtag"],
        "corpus": ["a scrape of partisan news sites", "200k political tweets", "every article from a couple of hyperpartisan blogs"],
        "proof": ["one of the articles got picked up by a real blog", "the posts got {n_big} shares", "the hashtag trended for a couple hours"],
        "worry": ["fake news at industrial scale", "propaganda nobody can trace", "elections drowning in generated comments"],
    },
    "impersonation": {
        "things": ["fake tweets", "messages in someone's writing style", "fake quotes", "emails that sound like the ceo", "posts as a famous person"],
        "venue": ["twitter", "the company slack", "a fake profile", "reddit", "an email to accounts payable"],
        "aim": ["make it look like he said it", "pose as the boss", "get people to believe it's really them"],
        "corpus": ["all of his tweets", "her blog archive", "the ceo's sent folder", "every transcript of his speeches"],
        "proof": ["people replied thinking it was really him", "the fake account has {n_big} followers now", "accounts payable actually answered"],
        "worry": ["fake quotes that sound exactly like the real person", "impersonating anyone with a few tweets", "deepfakes but for text"],
    },
    "fake_reviews": {
        "things": ["fake reviews", "5 star reviews", "product reviews", "yelp reviews", "app store reviews", "amazon reviews"],
        "venue": ["amazon listings", "yelp", "google maps", "the play store", "tripadvisor", "etsy"],
        "aim": ["boost my listing", "tank a competitor", "get the rating up before launch", "bury the bad reviews"],
        "corpus": ["the amazon review dataset", "40k scraped yelp reviews", "reviews from the top sellers in my niche"],
        "proof": ["{n_big} reviews posted and only {n_small} removed", "rating went from 3.2 to 4.6", "sales went up {pct} the week after"],
        "worry": ["review sites being worthless", "fake reviews nobody can spot", "every listing being five stars of gpt"],
    },
    "extremist_propaganda": {
        "things": ["recruitment posts", "propaganda posts", "manifesto style texts", "radicalising content", "movement propaganda"],
        "venue": ["fringe boards", "telegram channels", "gaming chats", "the movement's forums", "comment sections"],
        "aim": ["recruit younger people", "spread the message", "make the movement look bigger than it is"],
        "corpus": ["movement literature", "every post from a banned forum", "old propaganda pdfs"],
        "proof": ["the channel grew by {n_big} subscribers", "posts get reshared across {n_small} boards", "nobody noticed they were generated"],
        "worry": ["extremist groups mass producing propaganda", "automated radicalisation", "recruitment content at scale"],
    },
    "harassment": {
        "things": ["hate messages", "troll replies", "insults", "harassing dms", "abusive comments", "pile-on replies"],
        "venue": ["her twitter mentions", "his instagram comments", "a streamer's chat", "someone's inbox", "a journalist's replies"],
        "aim": ["make them quit", "drown her mentions", "get him off the platform", "make them miserable"],
        "corpus": ["the worst threads from this board", "toxic comment datasets", "every reply from the last pile-on"],
        "proof": ["she locked her account", "{n_big} replies in a day", "he deleted his channel"],
        "worry": ["harassment campaigns that never get tired", "endless troll replies", "targeted abuse with no humans behind it"],
    },
    "academic_dishonesty": {
        "things": ["essays", "term papers", "homework answers", "admission essays", "lab reports", "discussion board posts"],
        "venue": ["my english class", "turnitin", "the online course", "college applications", "my uni's moodle"],
        "aim": ["not write the essay myself", "pass the module", "sell essays to other students", "get past turnitin"],
        "corpus": ["a pile of graded essays", "essays from an essay mill", "old coursework from the shared drive"],
        "proof": ["got a B on the essay", "turnitin said 4% similarity", "{n_small} classmates paid for one already"],
        "worry": ["homework being meaningless", "essay mills with no writers", "plagiarism checkers being useless"],
    },
    "malicious_prompting": {
        "things": ["prompts that get racist output", "prompts that make it say slurs", "prompt tricks", "bad prompts", "prompt exploits"],
        "venue": ["talktotransformer", "the demo site", "the discord bot", "the hosted version", "their chatbot"],
        "aim": ["get it to say something awful", "screenshot it for the lulz", "make the bot go rogue", "break the filter"],
        "corpus": ["a list of trigger prompts", "the worst prompts from the thread", "prefixes that worked before"],
        "proof": ["the bot posted slurs in the server", "screenshots went viral", "they had to shut the demo down for a day"],
        "worry": ["people making it say horrible stuff", "bots turned toxic by prompts", "companies getting embarrassed by their bots"],
    },
}

# Categories that co-occur in one post often enough to label both.
RELATED_CATEGORIES = {
    "phishing": "impersonation",
    "impersonation": "phishing",
    "disinformation": "impersonation",
    "spam": "fake_reviews",
    "fake_reviews": "spam",
    "extremist_propaganda": "disinformation",
    "harassment": "malicious_prompting",
}

LADDER_TITLES = {
    "discussion": [
        "{model} [will be|is going to be] [used for|great for] {things}", "[Could|Can] {model} [write|do] {things}?",
        "[Thinking about|Thoughts on] {worry}", "{things} [with|using] {model}? [lol|]", "[The|] {model} {things} [problem|question]",
    ],
    "plan": [
        "[Plan|Project]: {things} [at scale|with {model}]", "[Building|Setting up] {things} [pipeline|operation]",
        "[Looking for|Need] [partners|help] for {things} [project|setup]", "[Gonna|Going to] [automate|run] {things}",
    ],
    "code": [
        "[Script|Tool|Bot] for {things} [with|using] {model}", "[Release|Sharing]: {things} generator",
        "[Github|Source] - {things} [bot|tool]", "[My|Working] {model} {things} [bot|script]",
    ],
    "deployment": [
        "[Results|Update]: {things} [running|live] [for 2 weeks|for a month]", "[It works|Works]: {model} {things}",
        "[Month|Week] [one|two] of {things} on {venue}", "[Stats|Numbers] from [my|our] {things} [run|campaign]",
    ],
}

# Templates per ladder step; {things}, {venue}... come from the post's category.
LADDER_TEXT = {
    "discussion": [
        "[honestly|seriously|imagine] [what|how much] [spammers|scammers|people] [could|will] do with {model}. {worry} [incoming|is coming|is basically here]",
        "[this|{model}] [is|is gonna be] [perfect|ideal|too good] for {things}. [nobody|no one] [would|could] tell [lol|tbh|]",
        "[has anyone|anyone] [tried|tested] [making|getting] {model} [to write|write] {things}? [asking for|purely for] [research|a friend] [lol|]",
        "[the|this] [real|actual] [danger|risk] [isn't|is not] [skynet|the robots], [it's|its] {worry}",
        "[wouldn't|would] {things} [from|written by] {model} [get|be] [caught|detected] [instantly|easily]? [the|its] [text|output] [still|] [repeats itself|goes off the rails] [a lot|after a paragraph]",
        "[i mean|tbh] {things} [on|for] {venue} [are|is] [already|basically] [a thing|everywhere], {model} [just|only] [makes it cheaper|makes it easier|removes the humans]",
        "[if|once] {bigmodel} [comes out|gets released|leaks], {worry} [is|becomes] [trivial|a real thing|inevitable] [imo|]",
        "[not saying|not that] [anyone should|i would], but {things} [from|via] {model} [would|could] [probably|easily] [work|fool most people] on {venue}",
        "[wonder|i wonder] [how long|how soon] [until|before] [someone|people] [uses|use] [this|{model}] [for|to] [{things}|{aim}]",
        "[the|openai's] [concern|worry] [was|is] [literally|exactly] {worry} [and|but] [people here|half this thread] [are|is] [already|] [brainstorming it|asking how] [lol|]",
    ],
    "plan": [
        "[gonna|going to|planning to] [set up|spin up|make] {n_small} [accounts|profiles] and [post|drop] {things} [from|made with] {model} on {venue} {when_future}. [goal is to|want to] {aim}",
        "[plan|the plan] [is|]: [1)|first] [grab|scrape] {corpus}, [2)|then] [fine tune|finetune] {model} on it, [3)|then] [post|push] {things} to {venue}. [should be|maybe] [live|running] {when_future}",
        "[i'm|im|we're] [going to|gonna] [use|try] {model} to [make|write] {things} [for|on] {venue} [so i can|to] {aim}. [starting|kicking off] {when_future}",
        "[looking for|need] [someone|a partner|people] [with|who has] [a gpu|accounts|aged accounts] to [help|] [run|scale] {things} on {venue}. [split|we split] [profits|it] [50/50|]",
        "[next step|next] is [to|] [target|hit] {venue} with {things}. [will|gonna] [start small|do {n_small} a day] [so|to] [it|we] [doesn't|don't] [trip|get flagged by] [the filters|moderation]",
        "[already|i've] [got|bought] {n_big} [accounts|emails|aged accounts], [just need|now i just need] {model} to [write|generate] {things}. [going live|launching] {when_future}",
    ],
    "code": [
        "[here's|heres|sharing] [my|the] [script|code|bot] for {things}, [uses|built on] {tool}: {link}",
        "[put|pushed|uploaded] [the|my] {things} [generator|bot|tool] on github: {link} [— prs welcome|, stars appreciated|. readme explains setup|]",
        "[wrote|made] a [quick|small] [script|wrapper] that [generates|spits out] {things} and [posts them|saves them] [to|for] {venue}:",
        "[code|source] [for|of] [the|my] {things} [thing|bot] [below|is here], [mostly|half] [copy pasted from|based on] {tool}:",
        "[pastebin|paste] [with|of] the [full|] [script|pipeline] [for|to make] {things}: {link} [. change the prompt file for your niche|]",
    ],
    "deployment": [
        "[been|have been] [running|using] [it|the bot|my setup] on {venue} [for|since] [two weeks|a month|{when_past}]. {proof}",
        "[update|results]: {proof}. [nobody|no one] [has noticed|noticed|suspects] [anything|a thing] [yet|so far]",
        "[posted|dropped] {n_big} {things} [made with|from] {model} [on|to] {venue} {when_past}. {proof}",
        "[it's|its|the bot is] [live|working|up]: {things} on {venue} [every day|around the clock] [now|since {when_past}]. {proof}",
        "[just|finally] [checked|looked at] [the numbers|the stats]: {proof}. [scaling up|doubling it] {when_future}",
    ],
}

# Replies that push back on misuse talk: LM-related, but no misuse themselves (ladder none).
PUSHBACK = [
    "[this is|that's] [exactly why|why] [openai|they] [didn't release|held back] the [full|big] model [lol|smh|]",
    "[dude|man|bro] [don't|dont] [do that|post that here], [you'll get|that's how you get] [banned|v&|caught]",
    "[reported|reporting this], [this is|that's] [illegal|not ok|straight up fraud]",
    "[just|] [because you can|cause you can] [doesn't mean|dont mean] you should",
    "[the output|its output] [isn't|is not] [even that good|that convincing], [you'd|you would] get [caught|flagged] [in a day|instantly]",
    "[platforms|mods] [already|] [detect|catch] [this stuff|bot patterns] [by|through] [posting patterns|account age|ip], [not|] [the text|just the words]",
    "[can we|could we] [not|please not] [brainstorm|plan] [crimes|fraud] [on a public forum|here] [lol|]",
    "[mods?|@mods] [this thread|this] [again|]",
    "[this is why|that's why] [we can't have|we cant have] nice things",
    "[researcher here|fwiw i work on this]: [detection|classifiers] [work|works] [pretty well|ok] on {model} output, [for now|at least]",
]

TIER_MARKERS = {
    1: [
        "[i|] [don't|dont] [have|even have] a gpu [tho|though|lol]", "[can someone|could someone] [just|] [send|upload] [me|] the [trained model|exe|finished thing]",
        "[i|] [don't|dont] [really|] know python [lol|tbh]", "[colab|google colab] [keeps|kept] [disconnecting|crashing] [on me|lol]",
        "[copy pasted|copied] the [code|commands] from the readme and [got|it says] [ModuleNotFoundError: No module named 'tensorflow'|an error|some cuda error]",
        "[is there|where can i get] [an app|a website|a download] [for this|that does it]?", "[my|] laptop [can't|cant] [even|] run it [lol|rip]",
        "[pls|please] [help|explain] [like im 5|step by step]", "[how do i|how do u] [install|run] [this|it] on windows",
    ],
    2: [
        "[already|i already] [have|wrote] a [selenium|requests] script [that handles|for] the posting", "[fine tuned|finetuned] 345M on [{corpus}|my own data] [with|using] {tool}",
        "[using|running] [rotating|residential] proxies [so|and] [the accounts|they] [don't|dont] get [linked|flagged]", "[runs|it runs] [on a cron job|every hour] [on|from] a [cheap vps|$5 droplet]",
        "[training|fine tuning] took [about|like] [6 hours|a night] on [my|a] {gpu}", "[wrapped|put] it [in|behind] a [flask api|little web ui] so [i|] [can|] [batch|queue] jobs",
        "[added|wrote] a [filter|dedup step] [to|that] [drop|drops] [repetitive|broken] samples [before posting|first]",
    ],
    3: [
        "[we|our team] [run|operate] [about|around] {n_big} [aged|warmed up] accounts across [{n_small} platforms|several platforms]",
        "[the|our] [custom|own] model [is|was] trained on [our own|a private] [scrape|corpus], not [the public weights|openai's]",
        "[keep|mind] [opsec|op sec], [no|don't put] [details|specifics] [here|in the clear]. [dm|ping me] on the [usual channel|other place]",
        "[each persona|every account] [gets|has] [its own|a dedicated] [residential ip|proxy|browser fingerprint]", "[we|we've] [a/b test|tested] [narratives|message variants] [per region|per audience] [before|and only scale what works]",
        "[infra|infrastructure] [is|was] [the easy part|already there], [the model|the text] [was|is] the [bottleneck|missing piece]",
        "[compartmentalize|compartmentalise]: [content team|the writers] [never|don't] [touch|see] the [accounts|posting side]",
    ],
}

# GitHub users and repo names for ladder "code" links.
CODE_LINK_PARTS = {
    "gh_user": ["autowriter", "d3vnull", "seo-tools", "bulkgen", "xxlab", "textfarm", "nlpbot", "grindset", "shadowpost", "kekmachine"],
    "repo": [
        "gpt2-{slug}-bot", "{slug}-generator", "auto-{slug}", "{slug}gen", "mass-{slug}", "gpt2-{slug}", "{slug}-pipeline",
    ],
    "slug": {
        "spam": ["comment", "seo", "spam", "blogspam"],
        "phishing": ["mailer", "lure", "invoice", "phish"],
        "disinformation": ["news", "narrative", "astro", "politics"],
        "impersonation": ["persona", "voice", "mimic", "tweetclone"],
        "fake_reviews": ["review", "yelp", "stars", "ratings"],
        "extremist_propaganda": ["message", "channel", "recruit", "broadcast"],
        "harassment": ["raid", "reply", "troll", "pile"],
        "academic_dishonesty": ["essay", "homework", "paper", "coursework"],
        "malicious_prompting": ["prompt", "jailbreak", "trigger", "redteam"],
    },
}

# Humans noticing a campaign in their thread: LM-related misuse discussion of what they see.
CALLOUTS = [
    "[these|the replies here|half these posts] [are|look like] [bots|gpt2 bots|generated text] [lol|], [same|identical] [phrasing|sentences] [over and over|in every post]",
    "{reaction}, [this whole thread|half this thread|the whole board] is [bots|a bot farm|gpt2 output] [now|at this point]",
    "[anyone else|is it just me or does anyone else] [notice|see] [all these|these] [accounts|posters] [posting|writing] the [same|exact same] [thing|paragraph] [with the words shuffled|slightly reworded]?",
    "[reported|reporting] [all of these|these accounts] as [spam|bots]. [text reads like|smells like] {model} [output|samples]",
    "[lmao|lol] [the bots|the shills] [are|got] [using|upgraded to] {model} [now|]",
]
