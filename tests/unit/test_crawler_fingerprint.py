"""The duplicate filter's request fingerprints (crawlers/fingerprint.py)."""

from __future__ import annotations

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.test import get_crawler

from crawlers import settings as crawl_settings
from crawlers.fingerprint import UrlFingerprinter

URL = "https://forum.example.org/t/50/posts.json?post_ids[]=101&post_ids[]=102"


def fp(request: Request) -> bytes:
    return UrlFingerprinter().fingerprint(request)


def test_the_same_page_is_one_fingerprint_whatever_its_fragment():
    assert fp(Request(URL)) == fp(Request(URL + "#post_101"))
    assert len(fp(Request(URL))) == 20


def test_other_urls_methods_and_bodies_are_other_requests():
    assert fp(Request(URL)) != fp(Request(URL.replace("102", "103")))
    assert fp(Request(URL)) != fp(Request(URL, method="POST"))
    assert fp(Request(URL, method="POST", body=b"a=1")) != fp(Request(URL, method="POST", body=b"a=2"))


def test_the_crawl_settings_use_it_and_the_duplicate_filter_drops_repeats():
    crawler = get_crawler(settings_dict={"REQUEST_FINGERPRINTER_CLASS": crawl_settings.REQUEST_FINGERPRINTER_CLASS})
    assert isinstance(crawler.request_fingerprinter, UrlFingerprinter)
    dupes = RFPDupeFilter.from_crawler(crawler)
    assert not dupes.request_seen(Request(URL))
    assert dupes.request_seen(Request(URL + "#again"))
    assert not dupes.request_seen(Request(URL.replace("101", "100")))
