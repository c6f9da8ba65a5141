-- SQLite stores any type in any column: text in a BIGINT column, a REAL message id, an empty
-- timestamp, and a unix time where the bot wrote text (which is readable, so imported).
-- The bot's users table (scripts/make_legacy_db.py), which is how the layout is recognised.
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, telegram_id BIGINT NOT NULL,
    username VARCHAR(255), first_name VARCHAR(255), last_name VARCHAR(255),
    is_friend BOOLEAN NOT NULL, language_code VARCHAR(10), created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL, UNIQUE (telegram_id));
INSERT INTO users VALUES (1, 703901, 'ada', 'Ada', NULL, 1, 'en', '2024-01-02 03:04:05.000000', '2024-01-02 03:04:05.000000');
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,
    chat_id BIGINT NOT NULL, message_id BIGINT NOT NULL, reply_to_message_id BIGINT, text TEXT,
    message_type VARCHAR(50) NOT NULL, language VARCHAR(10), timestamp DATETIME NOT NULL,
    UNIQUE (chat_id, message_id), FOREIGN KEY(user_id) REFERENCES users (id));
INSERT INTO messages VALUES (1, 1, 'minus one thousand', 1, NULL, 'chat id in words', 'text', NULL, '2024-01-02 03:04:05.000000');
INSERT INTO messages VALUES (2, 1, -1039, 2.5, NULL, 'half a message id', 'text', NULL, '2024-01-02 03:04:05.000000');
INSERT INTO messages VALUES (3, 1, -1039, 3, NULL, 'no time at all', 'text', NULL, '');
INSERT INTO messages VALUES (4, 1, -1039, 4, NULL, 'unix seconds', 'text', NULL, 1704164645);
INSERT INTO messages VALUES (5, 1, -1039, 5, NULL, 'all fine', 'text', NULL, '2024-01-02 03:04:05.000000');
