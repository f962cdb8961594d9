"""The one item every spider yields (a Post's fields), and the two the engine makes of them."""

from __future__ import annotations

import dataclasses

import scrapy

from misusewatch.records import Post

# The item carries exactly the Post record's fields, so the pipeline builds a Post from it.
POST_FIELDS = tuple(f.name for f in dataclasses.fields(Post))
_POST_FIELD_SET = frozenset(POST_FIELDS)


class PostItem(scrapy.Item):
    """One post, comment, reply or feed entry as a spider parsed it (raw, not yet validated).

    Spiders fill what the page carries: ``platform``, ``site``, ``thread_id``, ``post_id``,
    ``created_at`` (aware datetime, unix time or ISO text), ``text`` (plain), ``html`` (as
    served; the pipeline sanitizes it), ``author``, ``author_id``, ``reply_to`` (post ids),
    ``url``, ``thread_title``, ``board``, ``edited_at``, ``raw``. ``id``, ``source`` and
    ``collected_at`` are filled by the spider base class.
    """

    locals().update({name: scrapy.Field() for name in POST_FIELDS})

    @classmethod
    def of(cls, values: dict) -> PostItem:
        """An item holding ``values`` (taken, not copied): one check of the keys instead of
        one per field, for spiders that make a few hundred thousand items a crawl.

        Made without Scrapy's live-reference tracking (a weak reference per object, for the
        telnet console's ``prefs()``, which misusewatch turns off): a post item lives for one
        page, and the tracking cost more than the item.
        """
        unknown = values.keys() - _POST_FIELD_SET
        if unknown:
            raise KeyError(f"{cls.__name__} does not support field: {sorted(unknown)[0]}")
        item = object.__new__(cls)
        object.__setattr__(item, "_values", values)
        return item


class CursorCheckpoint(scrapy.Item):
    """ "Everything before me is parsed": move cursor ``key`` of ``source`` to ``value``.

    The store pipeline applies it only after every post that reached it earlier has been
    committed, so a crawl killed at any moment never skips an uncommitted post next time.
    """

    source = scrapy.Field()
    key = scrapy.Field()
    value = scrapy.Field()


class PostBatch(scrapy.Item):
    """Consecutive PostItems of one page, bundled by ``PageBatchMiddleware``.

    Spiders never make these. Scrapy's per-item machinery (a task, a pipeline chain and a
    signal per item) costs more than parsing a post, so the engine passes a page's posts to
    the pipelines together; each post is still validated, normalised and stored on its own.
    """

    posts = scrapy.Field()
    url = scrapy.Field()
