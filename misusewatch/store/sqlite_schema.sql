-- The embedded store: one SQLite file in WAL mode. Times are unix seconds (REAL, UTC).
-- Facet columns/tables are denormalised from enrichments so every filter is an index lookup.

CREATE TABLE IF NOT EXISTS posts (
    rowid         INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    source        TEXT NOT NULL,
    platform      TEXT NOT NULL,
    site          TEXT NOT NULL,
    board         TEXT,
    thread_id     TEXT NOT NULL,
    thread_title  TEXT,
    post_id       TEXT NOT NULL,
    author        TEXT,
    author_id     TEXT,
    actor_id      TEXT,
    created_at    REAL NOT NULL,
    edited_at     REAL,
    collected_at  REAL NOT NULL,
    text          TEXT NOT NULL,
    html          TEXT,
    reply_to      TEXT NOT NULL DEFAULT '[]',
    url           TEXT,
    content_hash  TEXT NOT NULL,
    raw           TEXT,
    -- facets
    lm_related    INTEGER,
    ladder        TEXT,
    tier          INTEGER,
    max_score     REAL
);
CREATE INDEX IF NOT EXISTS posts_created ON posts(created_at);
CREATE INDEX IF NOT EXISTS posts_source_created ON posts(source, created_at);
CREATE INDEX IF NOT EXISTS posts_platform_created ON posts(platform, created_at);
CREATE INDEX IF NOT EXISTS posts_thread ON posts(platform, site, thread_id);
CREATE INDEX IF NOT EXISTS posts_actor ON posts(actor_id, created_at);
-- No index on author alone: the author filter is "author = ? OR author_id = ?", which no
-- single-column index serves; only counting by author read it, and nothing in misusewatch
-- counts by author (that count now scans). Every insert paid ~4 us a post for it.
DROP INDEX IF EXISTS posts_author;
CREATE INDEX IF NOT EXISTS posts_ladder_created ON posts(ladder, created_at);
CREATE INDEX IF NOT EXISTS posts_tier_created ON posts(tier, created_at);
CREATE INDEX IF NOT EXISTS posts_score ON posts(max_score);

CREATE TABLE IF NOT EXISTS post_categories (
    category   TEXT NOT NULL,
    post_rowid INTEGER NOT NULL,
    PRIMARY KEY (category, post_rowid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS post_categories_post ON post_categories(post_rowid);

CREATE TABLE IF NOT EXISTS post_scores (
    post_rowid INTEGER NOT NULL,
    detector   TEXT NOT NULL,
    score      REAL NOT NULL,
    PRIMARY KEY (post_rowid, detector)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS post_scores_detector ON post_scores(detector, score);

-- Current label values on a post: one row per single-valued kind (status...), one per tag.
CREATE TABLE IF NOT EXISTS post_labels (
    value      TEXT NOT NULL,
    post_rowid INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    PRIMARY KEY (value, post_rowid, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS post_labels_post ON post_labels(post_rowid, kind);

CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(
    thread_title, text,
    content='posts', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
);
-- New posts are indexed in bulk by upsert_posts (INSERT ... SELECT after each batch): a
-- per-row trigger costs three times as much. Edits and deletes stay on triggers.
DROP TRIGGER IF EXISTS posts_fts_insert;
CREATE TRIGGER IF NOT EXISTS posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, thread_title, text)
    VALUES ('delete', old.rowid, old.thread_title, old.text);
END;
-- Only content changes re-index: facet updates from enrichment must stay cheap.
CREATE TRIGGER IF NOT EXISTS posts_fts_update AFTER UPDATE OF text, thread_title ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, thread_title, text)
    VALUES ('delete', old.rowid, old.thread_title, old.text);
    INSERT INTO posts_fts(rowid, thread_title, text) VALUES (new.rowid, new.thread_title, new.text);
END;

CREATE TABLE IF NOT EXISTS post_revisions (
    post_id       TEXT NOT NULL,
    text          TEXT NOT NULL,
    thread_title  TEXT,
    content_hash  TEXT NOT NULL,
    edited_at     REAL,
    replaced_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS post_revisions_post ON post_revisions(post_id, replaced_at);

CREATE TABLE IF NOT EXISTS enrichments (
    post_id     TEXT NOT NULL,
    enricher    TEXT NOT NULL,
    version     TEXT NOT NULL,
    data        TEXT NOT NULL,
    facets      TEXT NOT NULL,
    error       TEXT,
    created_at  REAL NOT NULL,
    PRIMARY KEY (post_id, enricher, version)
);
CREATE INDEX IF NOT EXISTS enrichments_enricher ON enrichments(enricher, version);

CREATE TABLE IF NOT EXISTS actors (
    id              TEXT PRIMARY KEY,
    platform        TEXT NOT NULL,
    site            TEXT NOT NULL,
    handle          TEXT NOT NULL,
    first_seen      REAL,
    last_seen       REAL,
    post_count      INTEGER NOT NULL DEFAULT 0,
    tier            INTEGER,
    tier_confidence REAL,
    effective_tier  INTEGER,
    data            TEXT NOT NULL,
    updated_at      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS actors_rank ON actors(effective_tier DESC, post_count DESC);

CREATE TABLE IF NOT EXISTS labels (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    author      TEXT NOT NULL,
    note        TEXT,
    created_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS labels_target ON labels(target_type, target_id, id);
CREATE INDEX IF NOT EXISTS labels_kind ON labels(kind, id);

CREATE TABLE IF NOT EXISTS assessments (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    stage       TEXT,
    data        TEXT NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS assessments_kind ON assessments(kind);

CREATE TABLE IF NOT EXISTS alerts (
    id          TEXT PRIMARY KEY,
    rule_id     TEXT NOT NULL,
    severity    TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    dedup_key   TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    tlp         TEXT NOT NULL,
    data        TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_status ON alerts(status, created_at);

CREATE TABLE IF NOT EXISTS deliveries (
    idempotency_key TEXT PRIMARY KEY,
    alert_id        TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT,
    next_attempt_at REAL,
    sent_at         REAL,
    updated_at      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_alert ON deliveries(alert_id);
CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries(status, next_attempt_at);

CREATE TABLE IF NOT EXISTS cursors (
    source      TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  REAL NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE IF NOT EXISTS crawl_runs (
    id              TEXT PRIMARY KEY,
    source          TEXT NOT NULL,
    started_at      REAL NOT NULL,
    finished_at     REAL,
    status          TEXT NOT NULL,
    pages           INTEGER NOT NULL,
    posts_new       INTEGER NOT NULL,
    posts_updated   INTEGER NOT NULL,
    posts_unchanged INTEGER NOT NULL,
    errors          INTEGER NOT NULL,
    bans_suspected  INTEGER NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS crawl_runs_source ON crawl_runs(source, started_at);

-- Daily post counts per facet combination, kept exact by upsert_posts (new posts) and the
-- triggers below, so weekly series,
-- stage counts and facet counts read a few thousand rows instead of scanning every post
-- (misusewatch/store/sqlite_facet_days.py decides when a filter can use them).
-- day: CAST(created_at AS INTEGER) / 86400; ladder '' = not tagged; tier 0 = none;
-- category '' counts posts, a category name counts the posts that have that category.
CREATE TABLE IF NOT EXISTS facet_days (
    day      INTEGER NOT NULL,
    source   TEXT NOT NULL,
    platform TEXT NOT NULL,
    ladder   TEXT NOT NULL,
    tier     INTEGER NOT NULL,
    category TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (day, source, platform, ladder, tier, category)
) WITHOUT ROWID;
-- Queries always name the category ('' for posts) and usually a ladder step or tier: read only those rows.
CREATE INDEX IF NOT EXISTS facet_days_by_facet ON facet_days(category, ladder, tier, source, platform, day, n);
-- New posts are counted in bulk by upsert_posts after each batch (like FTS5 above): a per-row
-- trigger doubled the cost of storing a post. Deletes and facet moves stay on triggers.
DROP TRIGGER IF EXISTS facet_days_post_insert;
CREATE TRIGGER IF NOT EXISTS facet_days_post_delete AFTER DELETE ON posts BEGIN
    UPDATE facet_days SET n = n - 1
    WHERE day = CAST(old.created_at AS INTEGER) / 86400 AND source = old.source
      AND platform = old.platform AND ladder = IFNULL(old.ladder, '') AND tier = IFNULL(old.tier, 0)
      AND (category = '' OR category IN (SELECT c.category FROM post_categories c WHERE c.post_rowid = old.rowid));
END;
-- A post moving day, source, platform, ladder step or tier moves its post row and its category rows.
CREATE TRIGGER IF NOT EXISTS facet_days_post_update
AFTER UPDATE OF created_at, source, platform, ladder, tier ON posts
WHEN CAST(old.created_at AS INTEGER) / 86400 IS NOT CAST(new.created_at AS INTEGER) / 86400
  OR old.source IS NOT new.source OR old.platform IS NOT new.platform
  OR old.ladder IS NOT new.ladder OR old.tier IS NOT new.tier
BEGIN
    UPDATE facet_days SET n = n - 1
    WHERE day = CAST(old.created_at AS INTEGER) / 86400 AND source = old.source
      AND platform = old.platform AND ladder = IFNULL(old.ladder, '') AND tier = IFNULL(old.tier, 0)
      AND (category = '' OR category IN (SELECT c.category FROM post_categories c WHERE c.post_rowid = old.rowid));
    INSERT INTO facet_days
    SELECT CAST(new.created_at AS INTEGER) / 86400, new.source, new.platform, IFNULL(new.ladder, ''),
           IFNULL(new.tier, 0), category, 1
    FROM (SELECT '' AS category UNION ALL SELECT c.category FROM post_categories c WHERE c.post_rowid = new.rowid)
    WHERE true
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS facet_days_category_insert AFTER INSERT ON post_categories BEGIN
    INSERT INTO facet_days
    SELECT CAST(p.created_at AS INTEGER) / 86400, p.source, p.platform, IFNULL(p.ladder, ''),
           IFNULL(p.tier, 0), new.category, 1
    FROM posts p WHERE p.rowid = new.post_rowid
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS facet_days_category_delete AFTER DELETE ON post_categories BEGIN
    UPDATE facet_days SET n = n - 1
    WHERE category = old.category AND (day, source, platform, ladder, tier) = (
        SELECT CAST(p.created_at AS INTEGER) / 86400, p.source, p.platform, IFNULL(p.ladder, ''),
               IFNULL(p.tier, 0)
        FROM posts p WHERE p.rowid = old.post_rowid);
END;
