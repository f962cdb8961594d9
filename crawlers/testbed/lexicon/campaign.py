"""Source text for machine-written campaigns: what a misuse operation would actually post.

These templates are expanded into a corpus per category; a word trigram sampler trained on
it writes the campaign posts (fluent locally, drifting globally, like small-model output).
"""

# ruff: noqa: E501  (templates are data: one template per line reads better than wrapped ones)

CAMPAIGN_SOURCE = {
    "spam": [
        "[Great|Really great|Awesome|Nice] [post|article|read]! I [really|truly] [enjoyed|liked] reading this [article|post] about [home workouts|saving money|keto recipes|crypto trading|seo]. [Check out|Visit|Have a look at] my [site|blog|page] for more [tips|ideas|info] on [weight loss|passive income|cheap flights|make money online].",
        "I have been [looking|searching] for [information|tips] like this for [a long time|ages]. [Thanks for sharing|Thank you for sharing]. [By the way|Also], I [found|discovered] a [great|amazing] [resource|tool] for [making money online|losing weight fast|getting more followers] that [really|actually] works.",
        "This is [exactly|just] what I [needed|was looking for]. [My friend|My sister|My coworker] [made|earned] [$500|$3000|$200] [last week|in one month] [working from home|online] with [this|a simple] [method|system]. [You can|Anyone can] [do it too|start today].",
        "[Very|Super] [informative|helpful|useful] [article|post]. [Keep up the good work|Keep it up]. I [will|am going to] [bookmark|share] this [page|site] and [come back|visit again] [later|soon].",
    ],
    "fake_reviews": [
        "I [bought|ordered|purchased] this [for my husband|for my daughter|as a gift|for myself] and [he|she|I] [absolutely|really] [loves|love] it. The [quality|build quality|material] is [amazing|excellent|great] and it [arrived|came] [fast|quickly|early]. [Highly recommend|Would buy again|Five stars]!",
        "[Best|The best] [purchase|product|blender|vacuum|charger] I have [ever|] [made|owned|bought]. [It works|Works] [perfectly|great|like a charm] and [the battery|the price|customer service] is [amazing|unbeatable|excellent]. [I would|Would] [definitely|] recommend [it|this] to [anyone|everyone|my friends].",
        "[Great|Excellent|Amazing] [service|food|experience] [from start to finish|every time]. The [staff|owner|team] [was|were] [friendly|so helpful|very professional] and the [prices|portions] [were|are] [fair|great]. [We will|Will] [definitely|] [be back|come back|return] [soon|again].",
        "I was [skeptical|unsure|hesitant] at first but this [product|app|place] [exceeded|blew away] my [expectations|mind]. [It has|This has] [changed|improved] my [life|routine|sleep] [completely|a lot]. [Five stars|10/10|Worth every penny].",
    ],
    "disinformation": [
        "[They|The media|The mainstream media] [will not|won't|refuse to] [tell you|report] [this|the truth], but [the|] [election|vote|ballot count] in [the county|our state|this district] was [rigged|stolen|manipulated] by [insiders|foreign money|the establishment]. [Share this|Wake up|Do your own research] before [it gets deleted|it is too late].",
        "[A|One] [source|insider|whistleblower] [inside|close to] [the government|the campaign|the agency] [has confirmed|confirmed|revealed] that [the|] [vaccine|new policy|water supply] [was|is] [part of|linked to] a [secret|hidden|larger] [plan|agenda|program]. [Nobody|No one] is [talking about|reporting] [this|it].",
        "[Local|Many] [residents|people|families] are [outraged|worried|angry] after [reports|news] [emerged|came out] that [officials|the council|politicians] [covered up|ignored|hid] [the|] [crime numbers|the real figures|the truth]. [This is|It is] [what they|exactly what they] [don't want you to see|want to hide].",
        "[Real|Ordinary|Hard working] [people|citizens|voters] [are|have been] [waking up|noticing|fed up]. [The|Our] [country|town|community] [deserves|needs] [the truth|better|answers], [not|and not] [lies|more lies|propaganda] from [the elites|the media|career politicians].",
    ],
    "impersonation": [
        "[Just|Today I] [landed|arrived] in [Paris|Tokyo|New York|Davos] for [an important|a big|a very special] [meeting|announcement|summit]. [Big news|Huge things|Great things] [coming|tomorrow|very soon]. [Stay tuned|Thank you all]!",
        "[I have|Have] [never|always] [said|believed] that [crypto|the new policy|this company] [is|was] [the future|a mistake|our priority]. [Proud|Honored|Excited] to [announce|share] [our|a] [new|next] [partnership|initiative|giveaway] [today|this week].",
        "[Please|Kindly] [process|handle] the [attached|pending|urgent] [invoice|payment|transfer] [today|before end of day|asap]. [I am|Im] [in meetings|travelling|on a flight] [all day|this afternoon] so [email|reply] [only|] [please|]. [Thanks|Regards].",
    ],
    "harassment": [
        "[Nobody|No one] [cares|asked] [about your opinion|what you think]. [Log off|Delete your account|Get off the internet] and [do everyone a favour|stop embarrassing yourself|never come back].",
        "[You|Your takes] [are|is] [a joke|pathetic|embarrassing] and [everyone|the whole internet] [knows it|can see it]. [Quit|Give up] [while you still can|already|now].",
        "[Imagine|Just imagine] [thinking|believing] [anyone|people] [wants|want] to [hear|read] [this|your nonsense]. [Ratio|Cope|Seethe] [harder|more].",
    ],
    "extremist_propaganda": [
        "[The movement|Our movement|The cause] [grows|is growing|gets stronger] [every day|every week]. [They|The system|The establishment] [cannot|will not] [stop|silence] [us|the truth]. [Join us|Stand with us|Wake up] [before it is too late|now|today].",
        "[Young people|Men|Our people] [have been|are being] [abandoned|betrayed|lied to] by [the system|society|the elites]. [There is|We offer] [a place|a future|a family] for [you|those who see the truth]. [Find us|Message us|Join the channel].",
    ],
    "phishing": [
        "[Dear|Hello] [customer|user|member], [your|we noticed that your] [account|payment|subscription] [has been|was] [suspended|limited|flagged] [due to|because of] [unusual activity|a failed payment|a security check]. [Please|Kindly] [verify|confirm|update] your [details|information] [within 24 hours|today] [at the link below|using the secure link] to [avoid|prevent] [closure|suspension].",
        "[Congratulations|Good news]! [You have been|You were] [selected|chosen] [to receive|for] a [free|$100|$500] [gift card|reward|bonus]. [Claim|Collect] [it|your reward] [now|today] [before it expires|while stocks last] [by confirming|by entering] your [email and password|account details].",
    ],
}

# Phrases the campaign rewriter swaps to make near-duplicates differ on the surface.
PARAPHRASES = [
    ("really", "truly"), ("great", "excellent"), ("amazing", "incredible"), ("bought", "purchased"),
    ("people", "folks"), ("today", "right now"), ("the truth", "what really happened"),
    ("recommend", "suggest"), ("fast", "quickly"), ("share", "spread"), ("verify", "confirm"),
    ("nobody", "no one"), ("stop", "silence"), ("join", "stand with"), ("tips", "advice"),
    ("friendly", "welcoming"), ("loves", "adores"), ("quality", "craftsmanship"),
]
