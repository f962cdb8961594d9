"""Shared vocabulary: greetings, fillers, numbers, times, hardware, model names by release stage."""

COMMON = {
    "hi": [
        "hey", "hi all", "hello", "yo", "hey guys", "hi everyone", "ok so", "so", "quick question",
        "hey folks", "evening all", "morning", "alright", "greetings", "hi there",
    ],
    "thanks": [
        "thanks in advance", "thx", "any help appreciated", "cheers", "ty", "thanks!",
        "appreciate any pointers", "thanks guys", "much appreciated", "tia",
    ],
    "filler": ["lol", "tbh", "ngl", "imo", "honestly", "idk", "fwiw", "afaik", "tho", "desu"],
    "reaction": [
        "lol", "kek", "based", "this", "same", "+1", "big if true", "lmao", "wew", "nice", "rip",
        "yikes", "oof", "fair", "fair enough", "true", "kinda true", "no way", "bruh", "huh",
        "wait what", "cool", "neat", "interesting", "good point", "hard agree", "disagree tbh",
    ],
    "n_small": ["2", "3", "4", "5", "a couple", "a few", "6", "10", "12", "20", "two", "three"],
    "n_big": [
        "200", "300", "500", "800", "1k", "1,200", "2k", "3000", "5k", "10k", "15k", "40k", "100k",
    ],
    "pct": ["2%", "3%", "5%", "8%", "10%", "12%", "20%", "about a third", "half"],
    "when_past": [
        "last week", "yesterday", "a few days ago", "over the weekend", "last month",
        "this morning", "two weeks ago", "last night", "earlier today", "back in march",
    ],
    "when_future": [
        "next week", "this weekend", "tomorrow", "once i get the gpu sorted", "after exams",
        "end of the month", "on monday", "tonight", "in a couple of days", "before the holidays",
    ],
    "gpu": [
        "1060", "1070", "1080ti", "2070", "2080 ti", "a single V100", "the free K80 on colab",
        "my laptop's MX150", "a T4", "an old 970", "RX 580", "Titan V", "two 1080s",
    ],
    "tool": [
        "gpt-2-simple", "pytorch-transformers", "the huggingface repo", "the official openai repo",
        "a colab notebook", "nshepperd's fork", "minimaxir's notebook", "talktotransformer",
        "the tensorflow code from github",
    ],
    "site_big": [
        "reddit", "twitter", "facebook", "youtube", "amazon", "tumblr", "instagram", "quora",
        "medium", "4chan", "discord",
    ],
    "thing_good": [
        "pretty solid", "not bad at all", "surprisingly good", "honestly impressive", "decent",
        "way better than i expected", "kinda mid", "meh", "hit or miss",
    ],
    "emote": [":)", ":D", "xD", ":/", ":(", ";)", "^^", "o_O", ":P", "<3"],
    "person": [
        "my brother", "a friend of mine", "my roommate", "my boss", "some guy at work",
        "my cousin", "my gf", "my dad", "a coworker", "my prof",
    ],
}

# The language model people talk about changes with the release stage: the generator fixes
# {model}/{bigmodel} per post from its date (see content.model_names_for).
MODEL_NAMES = {
    "pre-release": (
        ["textgenrnn", "char-rnn", "the original openai GPT", "BERT", "a markov chain bot"],
        ["a bigger model", "something like BERT but generative", "the google model"],
    ),
    "124M": (
        ["gpt2", "GPT-2", "the 117M model", "the small gpt-2", "gpt-2 small", "the small model"],
        ["the full 1.5B model", "the big model they won't release", "the 1.5B", "full gpt2"],
    ),
    "355M": (
        ["gpt2", "GPT-2 345M", "the 345M model", "the medium model", "345M", "gpt-2"],
        ["the 1.5B", "the full model", "the 774M", "full gpt-2"],
    ),
    "774M": (
        ["gpt2", "the 774M model", "GPT-2 774M", "the large model", "774M", "gpt-2 large"],
        ["the 1.5B", "the full model", "full gpt2", "the xl model"],
    ),
    "1.5B": (
        ["gpt2", "GPT-2 1.5B", "the 1.5B model", "full gpt-2", "the xl model", "gpt-2 xl"],
        ["the 1.5B", "gpt-2 xl", "the full model", "GPT-3 whenever that drops"],
    ),
}

HANDLE_PARTS = {
    "first": [
        "dark", "pixel", "quantum", "lazy", "neon", "silent", "crypto", "retro", "salty", "void",
        "turbo", "cyber", "null", "mega", "tiny", "old", "grim", "happy", "deep", "rusty", "blue",
        "iron", "night", "ghost", "hyper", "proto", "meta", "bit", "lucky", "wild", "cold",
    ],
    "second": [
        "wolf", "coder", "panda", "hacker", "otter", "fox", "ninja", "dev", "monk", "pilot",
        "sailor", "goblin", "wizard", "pirate", "byte", "node", "tensor", "llama", "raven", "cat",
        "boi", "lord", "smith", "walker", "rider", "frog", "crow", "shark", "bean", "nomad",
    ],
    "names": [
        "mike", "sarah", "alex", "dan", "jess", "tom", "nina", "raj", "li", "omar", "eva", "sam",
        "kate", "ben", "ana", "yuki", "leo", "maria", "chris", "paul", "ivan", "zoe", "jon",
        "george", "deano", "marta", "felix", "hannah", "ahmed", "priya", "lucas", "emma",
    ],
    "surnames": [
        "r", "k", "smith", "newton", "w", "m", "jones", "b", "nguyen", "garcia", "muller",
        "rossi", "t", "lee", "p", "novak", "h", "silva", "kim", "d",
    ],
}

# 4chan greentext lines sprinkled into anonymous posts (no effect on labels).
GREENTEXT = [
    ">be me", ">{when_past}", ">tfw no gpu", ">tfw no gf", ">implying anyone reads the paper",
    ">2019", ">still no full model", ">mfw", ">he doesn't know", ">not using linux",
    ">paying for colab", ">openai", ">\"too dangerous to release\"", ">muh ethics",
    ">be {person}", ">he fell for it", ">it's real",
]

EDIT_NOTES = [
    "EDIT: typo", "EDIT: fixed formatting", "edit: nvm got it working", "EDIT: thanks everyone, solved",
    "edit: forgot to mention i'm on windows", "EDIT: link fixed", "Edit: spelling",
    "EDIT: wow this blew up", "edit: clarified the first paragraph", "EDIT 2: still broken",
]
