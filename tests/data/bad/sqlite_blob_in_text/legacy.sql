-- A BLOB where text belongs: the bytes happen to be valid UTF-8 ("abc"), and are still refused.
-- The bot's users table (scripts/make_legacy_db.py), which is how the layout is recognised.
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, telegram_id BIGINT NOT NULL,
    username VARCHAR(255), first_name VARCHAR(255), last_name VARCHAR(255),
    is_friend BOOLEAN NOT NULL, language_code VARCHAR(10), created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL, UNIQUE (telegram_id));
INSERT INTO users VALUES (1, 703701, 'ada', 'Ada', NULL, 1, 'en', '2024-01-02 03:04:05.000000', '2024-01-02 03:04:05.000000');
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,
    chat_id BIGINT NOT NULL, message_id BIGINT NOT NULL, reply_to_message_id BIGINT, text TEXT,
    message_type VARCHAR(50) NOT NULL, language VARCHAR(10), timestamp DATETIME NOT NULL,
    UNIQUE (chat_id, message_id), FOREIGN KEY(user_id) REFERENCES users (id));
INSERT INTO messages VALUES (1, 1, -1037, 1, NULL, X'616263', 'text', NULL, '2024-01-02 03:04:05.000000');
INSERT INTO messages VALUES (2, 1, -1037, 2, NULL, 'plain text', 'text', NULL, '2024-01-02 03:04:05.000000');
