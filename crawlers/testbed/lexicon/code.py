"""Code snippets people paste when they share tooling ($NAMES are filled per post)."""

# ruff: noqa: E501  (templates are data: one template per line reads better than wrapped ones)

GENERATE_SNIPPETS = [
    """import gpt_2_simple as gpt2

sess = gpt2.start_tf_sess()
gpt2.finetune(sess, "$CORPUS", model_name="$MODEL", steps=$STEPS)
texts = gpt2.generate(sess, length=$LENGTH, temperature=0.8, nsamples=$N, return_as_list=True)""",
    """from pytorch_transformers import GPT2LMHeadModel, GPT2Tokenizer
import torch

tok = GPT2Tokenizer.from_pretrained("gpt2")
model = GPT2LMHeadModel.from_pretrained("$CHECKPOINT")
ids = torch.tensor([tok.encode(prompt)])
out = model.generate(ids, max_length=$LENGTH, do_sample=True, top_k=40)""",
    """python src/generate_unconditional_samples.py --model_name $MODEL --nsamples $N --top_k 40 --temperature 0.9 > $OUTFILE""",
    """python train.py --dataset $CORPUS --model_name $MODEL --batch_size 1 --save_every 500
python src/interactive_conditional_samples.py --model_name $MODEL --top_k 40""",
]

POSTING_SNIPPETS = {
    "browser": """from selenium import webdriver
import random, time

for text in texts:
    driver.get(random.choice(TARGET_URLS))
    box = driver.find_element_by_name("comment")
    box.send_keys(text)
    box.submit()
    time.sleep(random.uniform($MINDELAY, $MAXDELAY))""",
    "mail": """import smtplib
from email.mime.text import MIMEText

for target, body in zip(targets, texts):
    msg = MIMEText(body)
    msg["Subject"] = "$SUBJECT"
    msg["To"] = target
    smtp.sendmail(SENDER, [target], msg.as_string())""",
    "api": """for i, text in enumerate(texts):
    account = accounts[i % len(accounts)]
    r = session.post(API_URL, data={"body": text}, proxies=account.proxy)
    if r.status_code == 429:
        time.sleep($MAXDELAY)""",
    "twitter": """import tweepy

for acct, text in zip(cycle(accounts), texts):
    api = tweepy.API(acct.auth)
    api.update_status(text[:280])
    time.sleep($MINDELAY)""",
    "prompts": """prompts = open("$OUTFILE").read().splitlines()
for p in prompts:
    out = generate(p, top_k=40, length=$LENGTH)
    if any(w in out.lower() for w in BAD_WORDS):
        print(p, "->", out)""",
}

# Which posting snippet fits which category.
POSTING_FOR_CATEGORY = {
    "spam": "browser",
    "phishing": "mail",
    "disinformation": "twitter",
    "impersonation": "twitter",
    "fake_reviews": "api",
    "extremist_propaganda": "api",
    "harassment": "twitter",
    "academic_dishonesty": "prompts",
    "malicious_prompting": "prompts",
}
