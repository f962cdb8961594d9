"""Off-topic chatter that has nothing to do with language models: most of any forum."""

# ruff: noqa: E501  (templates are data: one template per line reads better than wrapped ones)

# topic -> titles, opening posts, replies. Everything here is labelled benign and not LM-related.
CHATTER = {
    "hardware": {
        "titles": [
            "[Which|What] GPU for [around|under] $[300|400|500]?", "PSU died, [now what|help]",
            "Rate my build", "is the {gpu} still worth it in 2019", "thermal paste question",
            "[New|First] build [thread|check]", "Laptop recommendations for [uni|college|work]",
        ],
        "ops": [
            "[{hi},|] [looking to|want to|trying to] upgrade from [an old|my] {gpu}. budget is [around|maybe] $[300|350|450]. [mostly gaming|some gaming and video editing|1440p gaming]. [thoughts?|what would you get?|{thanks}]",
            "my [psu|power supply] [just died|popped] [mid game|this morning|while i was at work] and [took the mobo with it|now nothing posts]. [is it worth repairing|should i rma|what do i even check first]?",
            "[finally|just] finished my [first|new] build: [ryzen 5 2600|i5 9600k|ryzen 7 2700x], {gpu}, [16gb|32gb] ram, [nvme|sata ssd]. [temps are fine|idles at 40c|a bit loud under load]. [rate it|roast me|any tips?]",
            "how often do you [guys|people] [repaste|replace thermal paste]? [my cpu hits 90c|temps creeping up] [after 3 years|lately]",
            "[need|looking for] a laptop for [uni|college|programming|photo editing], budget [about|around] [800|1000|600] [bucks|euro|quid]. [battery life matters|must be light|no gaming needed]",
        ],
        "replies": [
            "[get|go for] the [2060|rx 580|1660 ti|used 1080ti] [honestly|tbh], [best value right now|you won't regret it]",
            "check the [psu|cables|ram seating] [first|before anything else]",
            "[that's|thats] a [solid|clean|nice] build, [maybe|might want to] [get a better cooler|add another fan|upgrade the psu] [later|eventually]",
            "[repaste|i repaste] [every couple years|when temps go up|never lol]",
            "[don't|dont] cheap out on the psu, [seriously|learned that the hard way]",
            "[thinkpad|a used thinkpad|the xps 13|a macbook air] [is fine|would do|is what i'd get] for that",
            "[wait for|prices will drop after] [black friday|the new cards launch|navi]",
            "{reaction}, [my|our] {gpu} [still runs everything|is still going strong|died last year]",
            "[post|got] [temps|benchmarks|a pic]?",
        ],
    },
    "gaming": {
        "titles": [
            "[What are you playing|What are you guys playing] this [week|weekend]?",
            "[Sekiro|Apex|RE2 remake|Outer Wilds|Disco Elysium|Control] [thread|general|impressions]",
            "[Epic store|Epic exclusives] [again|discussion]", "Anyone still play [tf2|WoW classic|minecraft]?",
            "[Backlog|Steam sale] [haul|thread]",
        ],
        "ops": [
            "[just|finally] [finished|beat|started] [Sekiro|RE2|Outer Wilds|Disco Elysium|Control|Hollow Knight] and [wow|holy shit|man]. [what a game|the ending got me|took me 40 hours]",
            "[so|ok so] [epic|the epic store] [got|bought] [another|yet another] exclusive. [we are going back|not buying it|just wait a year]",
            "what are you [all|guys] playing [this weekend|right now|lately]? [i'm|im] [stuck on|grinding|replaying] [dark souls|stardew|apex|wow classic]",
            "[steam sale|summer sale] [haul|thread]: [got|grabbed] [hades|celeste|the witcher 3|divinity 2] for [cheap|like 10 bucks]. [what did you get?|post yours]",
        ],
        "replies": [
            "[wow classic|apex|stardew|minecraft with the boys] [mostly|honestly|lol]",
            "[the ending|that boss|the last area] [was|is] [brutal|amazing|kinda mid]",
            "[just wait|wait] for [a sale|steam release|the goty edition]",
            "[{reaction}|{reaction}, ]  [12 years of waiting|been waiting forever|finally]",
            "[git gud|skill issue] [lol|kek]",
            "[added to|putting it on] my backlog [which is already 200 games|forever]",
            "[anyone want to|wanna] [play|queue up] [tonight|later]?",
            "[no spoilers pls|spoiler tag that]",
        ],
    },
    "boats": {
        "titles": [
            "[Back in the water|Relaunch] [tomorrow|this weekend]", "[Prop shaft|Rudder|Bilge pump] question",
            "Antifoul [recommendations|question]", "[Winter|Spring] jobs list", "[Engine|Gearbox] won't [start|engage]",
        ],
        "ops": [
            "all the winter jobs [done|completed] now, [engine serviced|new wipers fitted|new log hose], [she's looking good|just the antifoul left]. [trailering|back] to the slipway {when_future}",
            "[the|my] [bilge pump|starter motor|gearbox] [is making a noise|keeps cutting out|won't engage] [since|after] {when_past}. [any ideas|anyone seen this before]?",
            "[which|what] antifoul [do you use|would you recommend] for [fresh water|the river|a narrow beam 22]? [last one|the old stuff] [lasted one season|flaked off]",
            "[rudder|prop] [feels loose|has play in it]. [can|is it possible to] [fix|remove] it [while in the water|without lifting]?",
        ],
        "replies": [
            "[best of luck|good luck], [all the hard work will be worth it|enjoy the good weather]",
            "[check|i'd check] the [fuel filter|vent pipe|belt|seals] [first|before anything]",
            "[two coats of|we use] [hempel|international] [true blue|micron], [lasts well|no complaints]",
            "[done|did] that [job|myself] [last year|a few years back], [two man job|not fun|worth it]",
            "[keep us posted|post some pictures|let us know how it goes]",
            "[don't|dont] attempt that with the boat on the water [mate|though]",
        ],
    },
    "cooking": {
        "titles": [
            "[Sourdough|Bread] [help|fail]", "What's for dinner [tonight|thread]?", "[Cast iron|Wok] care",
            "[Meal prep|Budget] ideas", "[Best|Favourite] [chili|curry|pasta] recipe",
        ],
        "ops": [
            "[my|third] sourdough [attempt|loaf] [came out|is] [flat as a pancake|dense|gummy inside]. [starter is|my starter is] [2 weeks old|very bubbly]. [what am i doing wrong|help]?",
            "[post|what's] [your|ur] dinner [tonight|thread]. [i'm|im] making [chili|a green curry|carbonara|tacos] [again|for the third time this week]",
            "[how do you|do you] [season|clean] [cast iron|a carbon steel wok]? [mine|my pan] [got rusty|is sticky] [after|since] [washing it|the dishwasher incident]",
            "[need|looking for] [cheap|budget|easy] meal prep ideas [for work|for the week|that aren't rice and beans]",
        ],
        "replies": [
            "[longer|try a longer] [bulk ferment|proof], [and|plus] [check your flour|wetter dough]",
            "[dry it|heat it] [on the stove|right away] and [oil it|wipe some oil on]",
            "[never|don't] [use the dishwasher|soak it] [lol|rip]",
            "[rice|lentils|chicken thighs] [and|+] [whatever veg is cheap|frozen veg], [every week|works for me]",
            "[carbonara|chili] [gang|is the answer]",
            "[recipe|source]?",
        ],
    },
    "sports": {
        "titles": [
            "[Match|Game] thread: [derby|final|semi]", "[Transfer|Trade] rumours", "[Fantasy|Tipping] league [2019|thread]",
            "[Who wins|Predictions] this [season|weekend]?",
        ],
        "ops": [
            "[what a|absolute] [match|game] [last night|today]. [that last minute goal|the comeback|the ref] [though|was unreal]",
            "[predictions|who are you backing] for [the weekend|the final|this season]? [i reckon|gotta be] [2-1|a draw|they bottle it again]",
            "[anyone|who's] [in|doing] [fantasy|the tipping comp] this year? [need|looking for] [a few more|2 more] [people|players]",
        ],
        "replies": [
            "[robbed|we were robbed] [by the ref|again]", "[2-0|3-1|1-1] [easy|calling it]",
            "[they always|classic] bottle it", "[i'm in|count me in|sign me up]", "[that keeper|the defence] [lol|was a joke]",
        ],
    },
    "programming": {
        "titles": [
            "[Python|JS|Rust] [question|help]: [list comprehension|async|borrow checker]", "[Merge conflict|Git] [hell|help]",
            "Best [editor|IDE] in 2019?", "[Leetcode|Interview] prep", "Docker [vs|or] [VMs|bare metal]?",
        ],
        "ops": [
            "[why does|how come] [my|this] [python|js] [code|loop] [return None|print twice|hang]? [been staring at it|stuck] for [an hour|hours]",
            "[accidentally|just] [force pushed|rebased] [over|onto] [master|main] and [lost|overwrote] [a day of work|my coworker's commits]. [is there|any] way back?",
            "[vim|vscode|emacs|sublime] [users|people], [convince me|why] [to switch|should i bother]",
            "[got|have] [a|an] [interview|onsite] at [a big tech company|a startup] {when_future}. [how do you|best way to] prep [leetcode|system design]?",
        ],
        "replies": [
            "[git reflog|reflog] [is your friend|saves lives]", "[you're|ur] missing a return [statement|lol]",
            "[vscode|vim] [obviously|is fine], [don't overthink it|just pick one]",
            "[grind|do] [the top 100|blind 75|a few a day] and [you'll be fine|practice out loud]",
            "[post|paste] the [traceback|full error|code]", "[works on my machine|ship it]",
        ],
    },
    "music": {
        "titles": [
            "[Album|Track] of the [week|day]", "[Vinyl|Turntable] setup", "[Learning|Teaching myself] [guitar|piano|bass]",
            "[Concert|Gig] [tonight|last night]",
        ],
        "ops": [
            "[what are|what're] you [listening to|spinning] [this week|today]? [i've|ive] had [the new tool album|that billie eilish record|old radiohead] on repeat",
            "[started|trying to] [learn|teach myself] [guitar|piano|bass] [at 30|this year]. [fingers hurt|barre chords are impossible|any tips]?",
            "[saw|went to see] [them|the band] [live|last night] and [wow|it was loud]. [setlist|sound] was [great|meh]",
        ],
        "replies": [
            "[justin guitar|the free lessons on youtube] [is great|helped me a lot]", "[keep at it|it gets easier], [took me months|practice daily]",
            "[that album|that record] [slaps|is a classic]", "[vinyl|streaming] [only|gang]", "[setlist|pics]?",
        ],
    },
    "pets": {
        "titles": ["[Dog|Cat] won't [stop|eat]", "Post your [pets|cats|dogs]", "[Adopted|Rescued] a [puppy|kitten]"],
        "ops": [
            "[our|my] [cat|dog] [keeps|won't stop] [scratching the sofa|barking at night|eating plants]. [tried everything|any ideas]?",
            "[we|i] [just|finally] [adopted|rescued] a [kitten|puppy|old greyhound] {when_past}! [pics below|so happy|name suggestions?]",
        ],
        "replies": [
            "[scratching post|more walks|a bitter spray] [worked for us|might help]", "[pics|pictures] or it didn't happen",
            "[name|call] [it|him|her] [biscuit|pixel|noodle|mochi]", "[congrats|so cute] {emote}",
        ],
    },
    "life": {
        "titles": [
            "[Rant|Vent] thread", "[Moving|Just moved] to [Berlin|Toronto|London|a new city]",
            "[Job|Career] advice", "[Sleep|Insomnia] tips?", "[Weather|Heatwave] thread",
        ],
        "ops": [
            "[just|finally] [quit|left] my job [after 5 years|today] [to|and] [go back to school|move abroad|freelance]. [terrified|excited] [lol|ngl]",
            "[can't|cant] sleep [again|lately], [anyone|what] [actually|really] [helps|works]?",
            "[moving|relocating] to [berlin|toronto|london] {when_future}. [any tips|what should i know]?",
            "[it's|its] [38c|40 degrees|freezing] [here|today] and [my|the] [ac|heating] [died|broke]. [send help|rant over]",
        ],
        "replies": [
            "[no screens|no caffeine] [after 6|before bed] [helped me|works]", "[good luck|best of luck] {emote}",
            "[proud of you|congrats], [big step|took guts]", "[same|same here] [honestly|lol]",
            "[register|do your anmeldung|sort the bank account] [first thing|asap]",
        ],
    },
    "crypto": {
        "titles": ["[BTC|Bitcoin] [at|back to] [10k|8k]", "[Altcoin|Shitcoin] [thread|general]", "[Mining|Staking] worth it?"],
        "ops": [
            "[btc|bitcoin] [back above|just hit] [10k|8k|12k]. [are we back|is it happening|top signal]?",
            "[is|are] [mining|gpu mining] [still|even] worth it with a {gpu}? [power is|electricity is] [cheap here|expensive]",
        ],
        "replies": [
            "[have fun staying poor|hfsp]", "[not|never] worth it [at that price|anymore]", "[sell|buy] the [news|dip]",
            "[it's|its] [over|just beginning]", "[link|chainlink] [marines|to the moon] [lol|kek]",
        ],
    },
    "movies": {
        "titles": ["[Endgame|Joker|Parasite|Midsommar] [spoilers|discussion]", "[Best|Worst] movie you saw this year", "[Netflix|TV] recommendations"],
        "ops": [
            "[just|finally] [saw|watched] [endgame|joker|parasite|midsommar|the irishman] and [i'm|im] [speechless|not sure how i feel|disappointed]",
            "[need|looking for] [something|a show] to [binge|watch] [this weekend|tonight]. [already seen|not into] [the office|breaking bad|stranger things]",
        ],
        "replies": [
            "[chernobyl|mindhunter|the expanse|dark] [is great|watch it]", "[overrated|underrated] [tbh|imo]",
            "[spoiler tag|spoilers] [pls|man]", "[that ending|the last scene] [though|was wild]",
        ],
    },
    "meta": {
        "titles": ["[Forum|Site] [rules|feedback]", "[Introduce|Introducing] yourself", "[Is the site|Site] slow for anyone else?"],
        "ops": [
            "[hi|hello] [all|everyone], [new here|long time lurker first time poster]. [i'm|im] [into|mostly here for] [hardware|programming|the off topic section]",
            "[is|anyone else finding] the [site|forum] [really slow|down] [today|for anyone else]?",
            "[can we|could the mods] [get|add] [a dark mode|a sub forum for|better search] [please|pls]?",
        ],
        "replies": [
            "[welcome|welcome aboard] {emote}", "[works fine|fine] for me", "[read the rules|check the faq] [first|lol]",
            "[seconded|+1], [dark mode|better search] [please|pls]",
        ],
    },
}

# Posts that sound like misuse but are not about language models: the hard negatives a tagger
# must not flag (a category word alone is no evidence).
NEGATIVES = {
    "spam_filter": {
        "titles": ["[Spam|Junk] getting through [gmail|spamassassin|our filter]", "[Comment spam|Spam bots] on my [blog|wordpress]"],
        "ops": [
            "[our|my] [company|mail server] [spam filter|spamassassin] [keeps letting|lets] [obvious|crypto|pharma] spam [through|in] [since|after] {when_past}. [any tuning tips|what rules do you use]?",
            "[my|our] [wordpress blog|guestbook] [gets|is getting] [hundreds of|like 300] spam comments a day. [akismet|recaptcha] [not enough|doesn't help]?",
        ],
        "replies": [
            "[turn on|enable] [akismet|honeypot fields|recaptcha v3] [and|+] [close comments on old posts|require login]",
            "[check|set up] [spf|dkim|dmarc] [first|properly]", "[report|block] the [ip range|asn]",
        ],
    },
    "phishing_training": {
        "titles": ["[Phishing|Security awareness] training at work", "Got a [phishing|scam] email [pretending|claiming] to be [my bank|paypal]"],
        "ops": [
            "[IT|security] [sent|ran] [a|another] [fake phishing|phishing simulation] [test|email] [today|{when_past}] and [half the office|my boss] [clicked|fell for it] [lol|kek]",
            "[got|received] [an|a] [email|text] [claiming|pretending] to be [from|] [my bank|paypal|royal mail|the irs] asking me to [verify|confirm] my [account|details]. [obviously|definitely] a scam [right|but wow it looked real]?",
        ],
        "replies": [
            "[hover|check] the [link|sender address] [before clicking|always]", "[report it|forward it] to [your bank|phishing@]",
            "[classic|yep] scam, [delete|ignore] it", "[we|our company] [do|does] those [tests|simulations] [quarterly|every month]",
        ],
    },
    "review_fraud_consumer": {
        "titles": ["[Fake|Paid] reviews [everywhere|on amazon]", "How do you spot [fake|bought] reviews?"],
        "ops": [
            "[bought|ordered] a [cheap|] [charger|vacuum|pair of earbuds] with [4.8 stars|thousands of 5 star reviews] and [it broke|it died] [in a week|after two days]. [the reviews are|reviews are] [obviously|clearly] [fake|bought]",
            "[how do you|what's the best way to] [spot|tell] [fake|paid] reviews [these days|on amazon|on yelp]? [fakespot|reviewmeta] [any good|still work]?",
        ],
        "replies": [
            "[fakespot|reviewmeta] [helps|is decent] [sometimes|a bit]", "[sort by|read] the [3 star|critical] reviews [only|first]",
            "[lots of|tons of] [reviews|5 stars] [on the same day|in broken english] [is|are] a red flag",
        ],
    },
    "academic_integrity": {
        "titles": ["[Turnitin|Plagiarism checker] [flagged|false positive]", "[Teacher|Prof] here: [essay mills|contract cheating]"],
        "ops": [
            "[turnitin|the plagiarism checker] [flagged|gave] my [essay|thesis chapter] [32%|a high score] [because of|for] [quotes|the bibliography]. [should i|do i need to] worry?",
            "[teacher|lecturer] here. [essay mills|contract cheating sites] [are|seem] [everywhere|getting worse] [this year|lately]. [how do you|anyone] [deal with it|catch it]?",
        ],
        "replies": [
            "[quotes and references|the bibliography] [always|usually] [inflate|bump] the score, [you're fine|don't worry]",
            "[oral|viva] [follow ups|exams] [catch|expose] [it|them] [fast|quickly]", "[talk to|email] your [prof|tutor] [about it|first]",
        ],
    },
    "harassment_irl": {
        "titles": ["[Neighbour|Ex] [harassing|won't leave] me [alone|]", "[Dealing with|Blocking] [trolls|a stalker] on [twitter|instagram]"],
        "ops": [
            "[someone|an account] [keeps|has been] [messaging|tagging|harassing] me [on|across] {site_big} [for weeks|since {when_past}]. [blocked|reported] [them|it] [but|and] they [make new accounts|keep coming back]. [what do i do|any advice]?",
        ],
        "replies": [
            "[document|screenshot] [everything|it all] and [report|go to the police]", "[lock|private] your [account|profile] [for a while|]",
            "[sorry|that sucks], [stay safe|hope it stops]",
        ],
    },
    "news_disinfo": {
        "titles": ["[Election|Vaccine] [misinformation|rumours] in my [family group|feed]", "[Bot|Troll] accounts [everywhere|on twitter] lately"],
        "ops": [
            "[my|our] [aunt|family whatsapp group|uncle] [keeps|won't stop] [sharing|forwarding] [obviously fake|made up] [news|stories] about [the election|vaccines|5g]. [how do you|anyone] [deal with it|push back]?",
            "[is it just me|anyone else notice] or [are|is] [twitter|the replies] [full of|flooded with] [troll|bot|sockpuppet] accounts [lately|since {when_past}]? [same talking points|all created last month]",
        ],
        "replies": [
            "[snopes|a fact check] [link|and move on]", "[mute|leave] the group [lol|honestly]",
            "[state sponsored|troll farm] [for sure|probably] [lol|tbh]", "[just|] [block|report] and move on",
        ],
    },
}
