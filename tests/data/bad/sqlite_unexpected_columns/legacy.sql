-- users has a column the store does not know (karma); messages was renamed column by column
-- (msg_id, body, sent), so message_id, which the store requires, is not there at all.
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, telegram_id BIGINT NOT NULL,
    first_name VARCHAR(255), is_friend BOOLEAN NOT NULL, karma INTEGER NOT NULL,
    created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, UNIQUE (telegram_id));
INSERT INTO users VALUES (1, 703601, 'Ada', 0, 12, '2024-01-02 03:04:05', '2024-01-02 03:04:05');
CREATE TABLE messages (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, chat_id BIGINT NOT NULL,
    msg_id BIGINT NOT NULL, body TEXT, sent DATETIME NOT NULL);
INSERT INTO messages VALUES (1, 1, -1036, 1, 'hello', '2024-01-02 03:04:05');
INSERT INTO messages VALUES (2, 1, -1036, 2, 'still here?', '2024-01-02 03:05:00');
