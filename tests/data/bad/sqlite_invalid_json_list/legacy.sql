-- memories keep their lists as JSON text; five rows hold text that is not a JSON list of the
-- right items.
-- The bot's users table (scripts/make_legacy_db.py), which is how the layout is recognised.
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, telegram_id BIGINT NOT NULL,
    username VARCHAR(255), first_name VARCHAR(255), last_name VARCHAR(255),
    is_friend BOOLEAN NOT NULL, language_code VARCHAR(10), created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL, UNIQUE (telegram_id));
INSERT INTO users VALUES (1, 703501, 'ada', 'Ada', NULL, 1, 'en', '2024-01-02 03:04:05.000000', '2024-01-02 03:04:05.000000');
CREATE TABLE memories (id INTEGER PRIMARY KEY AUTOINCREMENT, simple_content TEXT NOT NULL,
    full_content TEXT NOT NULL, importance INTEGER NOT NULL, emotion_valence FLOAT,
    emotion_arousal FLOAT, emotion_dominance FLOAT, emotion_label VARCHAR(50), keywords JSON,
    tags JSON, context_temporal TEXT, context_situational TEXT, version INTEGER NOT NULL,
    parent_id INTEGER, evolution_triggers JSON, created_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL, updated_at DATETIME, last_accessed DATETIME,
    access_count INTEGER NOT NULL, FOREIGN KEY(parent_id) REFERENCES memories (id));
INSERT INTO memories (id, simple_content, full_content, importance, keywords, tags, version,
    evolution_triggers, created_by, created_at, access_count) VALUES
 (1, 'tea', 'likes green tea', 5, '["tea", "green"]', '["food"]', 1, '[1, 2]', 703501, '2024-03-01 10:00:00.000000', 0),
 (2, 'cut', 'list cut off', 5, '["tea",', NULL, 1, NULL, 703501, '2024-03-01 10:00:00.000000', 0),
 (3, 'repr', 'a Python repr, not JSON', 5, '[''tea'']', NULL, 1, NULL, 703501, '2024-03-01 10:00:00.000000', 0),
 (4, 'csv', 'comma-separated, not JSON', 5, 'tea,green', NULL, 1, NULL, 703501, '2024-03-01 10:00:00.000000', 0),
 (5, 'object', 'an object where a list belongs', 5, NULL, '{"food": true}', 1, NULL, 703501, '2024-03-01 10:00:00.000000', 0),
 (6, 'trigger', 'text among the trigger ids', 5, NULL, NULL, 1, '[1, "two"]', 703501, '2024-03-01 10:00:00.000000', 0);
