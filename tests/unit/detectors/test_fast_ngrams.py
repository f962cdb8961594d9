"""The integer n-gram scorer equals scikit-learn for every token kind, and its parts are exact."""

from __future__ import annotations

import math

import numpy as np
import pytest

from enrichment.detectors.base import split_sections
from enrichment.detectors.evaluation import LabelledSet
from enrichment.detectors.features import BpeBands, ZipfTable, make_analyzer
from enrichment.detectors.ngrams import NgramIndex, TokenTable
from enrichment.detectors.tfidf import TfidfModel
from enrichment.detectors.training import train_tfidf
from tests.unit.detectors.data import assert_safe_model_files, synthetic

ODD_TEXTS = [
    "unseen words entirely xyzzy plugh",
    "Ünïcödé  ДОБРЫЙ день 42! It's O'Brien's (café) -- 3.14",
    "",
    "word",
]


@pytest.fixture(scope="module")
def four_kinds(tmp_path_factory):
    human, machine = synthetic(80)
    out = tmp_path_factory.mktemp("tfidf4")
    train_tfidf(
        LabelledSet("synthetic", human, machine),
        out,
        features="word+band+zipf+bpe",
        min_words=10,
        max_words=40,
    )
    return out, human, machine


def test_saves_its_tables_without_pickle(four_kinds):
    out, _, _ = four_kinds
    names = sorted(p.name for p in out.iterdir())
    assert names == ["config.json", "tokenizer.json", "vocabulary.json", "weights.safetensors", "zipf.json"]
    assert_safe_model_files(out)


def test_fast_scorer_matches_sklearn_for_word_band_zipf_bpe(four_kinds):
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    out, human, machine = four_kinds
    model = TfidfModel.load(out)
    assert [b.config["kind"] for b in model.blocks] == ["word", "band", "zipf", "bpe"]
    texts = human[:5] + machine[:5] + ODD_TEXTS
    columns = []
    for block in model.blocks:
        vectorizer = TfidfVectorizer(analyzer=make_analyzer(block.config, model.resources), sublinear_tf=True)
        vectorizer.vocabulary_ = block.vocabulary
        vectorizer.idf_ = np.asarray(block.idf)
        columns.append(vectorizer.transform(texts))
    coef = np.concatenate([b.coef for b in model.blocks])
    expected = hstack(columns).tocsr() @ coef + model.intercept
    # twice: the second pass reads token types from the table the first one filled
    for _ in range(2):
        np.testing.assert_allclose(model.raw_scores(texts), expected, rtol=1e-9, atol=1e-9)
    # one text at a time gives the same as the batch
    one_by_one = [model.raw_scores([t])[0] for t in texts]
    np.testing.assert_allclose(one_by_one, expected, rtol=1e-9, atol=1e-9)


def test_ngram_keys_stay_inside_documents_and_skip_unknown_types():
    index = NgramIndex({"a": 0, "b": 1, "a b": 2, "b a": 3, "a b a": 4}, 1, 3)
    a, b = index.types["a"], index.types["b"]
    ids = np.array([a, b, a, b, -1, a])  # doc 0: a b a | doc 1: b ? a
    doc = np.array([0, 0, 0, 1, 1, 1])
    keys, docs = index.ngram_keys(ids, doc)
    found = sorted(zip(docs.tolist(), index.columns_of(keys).tolist(), strict=True))
    # doc 0: a, b, a, "a b", "b a", "a b a"; doc 1: b, a (the unknown breaks every n-gram)
    assert found == [(0, 0), (0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (1, 0), (1, 1)]


def test_token_table_remembers_up_to_its_limit_and_still_resolves_the_rest():
    calls = []

    def typer(token):
        calls.append(token)
        return len(token)

    table = TokenTable([typer], limit=2)
    first = table.ids(["aa", "bbb", "c", "aa"])
    assert first[:, 0].tolist() == [2, 3, 1, 2]
    assert len(table.index) == 2
    assert table.ids(["c", "aa"])[:, 0].tolist() == [1, 2]
    assert calls.count("aa") == 1 and calls.count("c") == 2


def test_zipf_buckets_against_wordfreq():
    import wordfreq

    table = ZipfTable.from_wordfreq()
    for word in ["the", "house", "serendipity", "aardvark"]:
        exact = math.log10(wordfreq.word_frequency(word, "en") * 1e9)
        assert exact - 0.1 - 1e-9 <= table(word) <= exact
    assert table("xqzzyplugh") == 0.0
    assert table.bucket("The") == f"C{int(2 * table('the'))}"
    assert [table.bucket(t) for t in ["42", ","]] == ["<num>", ","]
    assert table.lexicon().band("the") == "the"


def test_bpe_bands_follow_ids_and_word_starts():
    bpe = BpeBands.train(["the cat sat on the mat with the hat"] * 20, vocab_size=300)
    vocabulary = bpe.tokenizer.get_vocab()
    ids = bpe.tokenizer.encode(" the Cat").ids
    names = bpe.bands(" the Cat")
    pieces = {i: p for p, i in vocabulary.items()}
    for token_id, name in zip(ids, names, strict=True):
        piece = pieces[token_id]
        mark = "G" if piece.startswith("\u0120") else "_"
        core = piece.lstrip("\u0120")
        case = "C" if core[:1].isupper() else ("a" if core[:1].isalpha() else "o")
        assert name == f"<{mark}{case}{int(math.log2(token_id + 1))}>"


@pytest.mark.parametrize(
    ("words", "size", "expected"),
    [
        (11, 5, [5, 5, 1]),  # a 1-word tail is not < 5 // 4 = 1: kept
        (9, 8, [9]),  # a 1-word tail of 8-word sections is merged into the one before
        (17, 8, [8, 9]),
        (4, 8, [4]),
    ],
)
def test_split_sections_merges_a_short_tail_into_the_previous_section(words, size, expected):
    text = " ".join(f"w{i}" for i in range(words))
    sections = split_sections(text, size)
    assert [len(s.split()) for s in sections] == expected
    assert " ".join(s.strip() for s in sections).split() == text.split()


def test_section_scoring_averages_the_sections_logits(four_kinds):
    out, human, machine = four_kinds
    whole = TfidfModel.load(out)
    sectioned = TfidfModel.load(out)
    sectioned.section_words = 12
    long_text = " ".join(human[:2] + machine[:1])
    pieces = split_sections(long_text, 12)
    assert len(pieces) > 3
    expected = whole.raw_scores(pieces).mean()
    texts = [long_text, machine[1][:40]]  # the short one is a single section
    got = sectioned.raw_scores(texts)
    np.testing.assert_allclose(got[0], expected, rtol=1e-12)
    np.testing.assert_allclose(got[1], whole.raw_scores([texts[1]])[0], rtol=1e-12)
