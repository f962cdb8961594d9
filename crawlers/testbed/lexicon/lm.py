"""Benign talk about language models: news, running it, creative fine-tunes, bots, research."""

# ruff: noqa: E501  (templates are data: one template per line reads better than wrapped ones)

# Labelled lm_related, ladder "none", no category: what most GPT-2 talk actually was.
LM_BENIGN = {
    "news": {
        "titles": [
            "OpenAI [won't release|withholds] [the full|their new] [model|language model]",
            "[{model}|GPT-2] [announcement|discussion|thread]", "[Too dangerous to release|\"Too dangerous\"]? [lol|really?|thoughts]",
            "[OpenAI|They] released {model}", "[Staged release|The staged release] - [PR stunt|good idea]?",
        ],
        "ops": [
            "[so|ok so] openai [trained|made] a [huge|giant] language model and [won't|are not going to] release [it|the big one] because [it's|its] \"too dangerous\". [pr stunt|marketing] or [legit|genuine concern]?",
            "[they just|openai just] released {model}. [the samples|outputs] [are|look] {thing_good}. [link in the blog post|the unicorn one is wild]",
            "[the|their] staged release [thing|approach] is [interesting|weird|actually sensible]. [release small|start with a small model], [watch|see] what people do, then [release bigger|go bigger]. [thoughts?|is that how it should work?]",
            "[read|reading] the [blog post|paper] about {model}. [the|that] [unicorn|recycling] sample [is|was] [unreal|kinda creepy|hilarious]",
        ],
        "replies": [
            "[pure|total] pr stunt [imo|tbh], [remember|] [nobody|no one] [could|would] [even run|afford to train] [it|the big one]",
            "[i think|imo] [the caution|holding it back] [is fair|makes sense], [the samples|outputs] [are|look] [too good|scarily coherent]",
            "[someone|people] will [just|] [replicate|retrain] it [in a few months|anyway] [lol|so whats the point]",
            "[the|that] unicorn [sample|story] [lmao|is a classic]", "[openai|they] [used to be|was supposed to be] [open|non profit] [lol|kek]",
            "[wait for|waiting on] {bigmodel} [honestly|tbh]",
            "[the paper|section 5] [is worth reading|has the interesting bits] [though|]",
        ],
    },
    "running": {
        "titles": [
            "[How to run|Running] {model} [locally|on windows|on colab]?", "[Error|OOM] [running|loading] {model}",
            "[Colab|Google colab] notebook for {model}", "[Which|What] GPU [do i need|for] {model}?",
        ],
        "ops": [
            "[trying to|want to] [run|play with] {model} [on|with] [my|a] {gpu}. [is that enough|will it fit]? [just want to|only want to] [mess around|generate some stories]",
            "[getting|keep getting] [OOM|out of memory|CUDA out of memory] [when|trying to] [loading|load] {model} [on colab|on my {gpu}]. [batch size is 1 already|any fix]?",
            "[anyone have|is there] a [simple|beginner] [colab|notebook|guide] for {model}? [the readme|the repo] [assumes|expects] [you know|too much] [docker|tensorflow]",
        ],
        "replies": [
            "[use|try] {tool}, [it's|its] [the easiest|dead simple]", "[lower|reduce] the [batch size|context length] [to 1|]",
            "[colab|the free tier] [is enough|works fine] for the [small|117M|345M] [one|model]",
            "[you need|need] [tensorflow 1.x|tf 1.13|the right cuda version] [not 2.0|]", "[restart|reset] the runtime [and try again|lol]",
            "[8gb|11gb|16gb] [vram|of vram] [should|is enough to] [fine tune|run] [345M|it]",
        ],
    },
    "creative": {
        "titles": [
            "[Fine-tuned|Finetuned|Trained] {model} on [poetry|song lyrics|recipes|my D&D notes|magic cards]",
            "{model} [writes|wrote] [poems|a screenplay|bad fanfic]", "[Made|I made] a [poetry|lyrics|recipe] generator",
        ],
        "ops": [
            "[fine-tuned|trained] {model} on [the complete works of emily dickinson|10k poems|every taylor swift song|a big recipe dump|my campaign notes] with {tool}. [results are|it's] {thing_good}, [some gems|posting my favourites|it loves em dashes]",
            "[made|built] a [tiny|little] [poetry|lyrics|recipe] generator [for fun|as a side project] [using|with] {model}. [it|the model] [keeps|wants to] [rhyme everything with love|add cinnamon to everything|kill off the paladin]",
            "[had|got] {model} to write [a screenplay|a limerick|a christmas carol|fake star trek episodes]. [it|the result] [is|was] [hilarious|weirdly touching|incoherent but fun]",
        ],
        "replies": [
            "[post|share] [more|some] samples [pls|please]", "[the|that] [cinnamon|paladin] [bit|thing] [lmao|killed me]",
            "[what|which] [temperature|top_k] [did you use|are you using]?", "[try|use] [top_p 0.9|temperature 0.7] [it|] [helps|gets less repetitive]",
            "[this is|that's] [great|brilliant|cursed] {emote}", "[how long|how many steps] did [the fine tune|training] take?",
            "[i did|did] [the same|something similar] with [sea shanties|reddit titles|my tweets] [lol|]",
        ],
    },
    "chatbot": {
        "titles": [
            "[Discord|Telegram|IRC] bot [with|using] {model}", "[Chatbot|Chat bot] [with|based on] {model}?",
            "[My|Our] {model} [bot|chatbot] [is|got] [unhinged|too real]",
        ],
        "ops": [
            "[made|wrote] a [discord|telegram] bot [for our server|for friends] that [replies|talks] [using|with] {model}. [it's|its] [unhinged|surprisingly fun|mostly nonsense]",
            "[is it possible|can you] [to|] [use|turn] {model} [as|into] a [chatbot|customer support bot|character bot]? [it|the model] [doesn't|won't] [stay on topic|remember anything]",
        ],
        "replies": [
            "[prefix|prime] the [prompt|context] with [the chat history|a few example lines]", "[it|the bot] [has|] no memory, [you|] have to [feed|pass] the history [back|in]",
            "[add|put] a [filter|blocklist] [or|otherwise] it [will|might] [say|post] [something awful|slurs] [eventually|lol]",
            "[invite link|github]?", "[ours|our bot] [roasted|insulted] [the admin|someone's mum] [lol|on day one]",
        ],
    },
    "research": {
        "titles": [
            "[Detecting|Detection of] [{model}|machine] [generated|written] text", "GLTR and [detection|log rank]",
            "[Paper|Preprint]: [sampling|decoding] [strategies|methods] for {model}", "[Bias|Biases] in {model} [outputs|completions]",
            "[Fine-tuning|Finetuning] {model} for [summarization|classification|data augmentation]",
        ],
        "ops": [
            "[working on|my thesis is on] [detecting|detection of] [machine generated|gpt-2] text. [log rank|GLTR|a roberta classifier] [works|does] [well|ok] on [the small model|117M], [worse|much worse] on [bigger ones|nucleus samples]. [anyone|has anyone] [tried|compared] [other|different] [features|approaches]?",
            "[ran|did] a [quick|small] [experiment|study] on {model} [outputs|completions]: [prompts|sentences] [about|mentioning] [different|various] [groups|professions] [get|produce] [noticeably|pretty] [different|biased] [continuations|text]. [write up|notebook] [soon|coming]",
            "[using|tried] {model} for [data augmentation|summarization|paraphrasing] [in|for] [my|a] [nlp|research] project. [it|results] [helped|kinda helped|hurt] [a bit|on the small dataset]",
        ],
        "replies": [
            "[check|see] the [GLTR|gltr] [paper|demo], [they|it] [do|does] exactly that", "[nucleus|top-p] [sampling|samples] [are|is] [much harder|way harder] to detect [yeah|]",
            "[interesting|nice], [what|which] [dataset|baseline] [are you using|did you use]?", "[openai|they] released [an output dataset|the outputs] [for|to help with] [this|detection research]",
            "[detection|classifier] accuracy [drops|falls] [a lot|fast] [as|when] [the model gets bigger|they fine tune]", "[link|arxiv link] [to the paper|]?",
        ],
    },
}
