# ruff: noqa: RUF001 (Cyrillic letters that look Latin are the point of the sample text)
"""Generate a legacy SQLite database in the bot's own schema, as the bot ran it on SQLite.

`legacy_import` has to be tested and benchmarked on files shaped like a real bot's (lists as
JSON text, booleans 0/1, naive UTC timestamps as text, 64-bit Telegram ids, mixed
Cyrillic/Latin/emoji text, the old `memory_category_association` link table) at any size and
reproducibly, without anyone's real chats. The same seed always gives the same rows.

    python scripts/make_legacy_db.py OUT.db [--messages N] [--seed S] [--force]

Rows come from generators and go through `executemany` in chunks inside one transaction, so
memory stays flat at any N (about 60 MB RSS): N = 1,000,000 writes about 410 MiB in about
30 s. Importable (no side effects) for the benchmark and tests:
`make_legacy_db(path, messages=N, seed=S)`.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate, count, islice
from pathlib import Path
from typing import Any

Row = tuple[Any, ...]
CHUNK = 10_000
START = datetime(2024, 1, 1)  # naive UTC, as the old bot stored it
SPAN_US = int((datetime(2025, 12, 31, 23, 59, 59) - START).total_seconds() * 1_000_000)

# What an old SQLAlchemy create_all emitted on SQLite. Generators yield tuples in column order.
SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, telegram_id BIGINT NOT NULL,
    username VARCHAR(255), first_name VARCHAR(255), last_name VARCHAR(255),
    is_friend BOOLEAN NOT NULL, language_code VARCHAR(10), created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL, UNIQUE (telegram_id));
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,
    chat_id BIGINT NOT NULL, message_id BIGINT NOT NULL, reply_to_message_id BIGINT, text TEXT,
    message_type VARCHAR(50) NOT NULL, language VARCHAR(10), timestamp DATETIME NOT NULL,
    UNIQUE (chat_id, message_id), FOREIGN KEY(user_id) REFERENCES users (id));
CREATE TABLE facts (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,
    fact_text TEXT NOT NULL, source VARCHAR(255), created_at DATETIME NOT NULL,
    FOREIGN KEY(user_id) REFERENCES users (id));
CREATE TABLE stats (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,
    stat_type VARCHAR(100) NOT NULL, value FLOAT NOT NULL, extra_data JSON,
    timestamp DATETIME NOT NULL, FOREIGN KEY(user_id) REFERENCES users (id));
CREATE TABLE jokes (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id BIGINT,
    chat_id BIGINT NOT NULL, joke_text TEXT NOT NULL, joke_type VARCHAR(50) NOT NULL,
    language VARCHAR(10), context TEXT, reactions_count INTEGER NOT NULL,
    likes_count INTEGER NOT NULL, created_at DATETIME NOT NULL);
CREATE TABLE memories (id INTEGER PRIMARY KEY AUTOINCREMENT, simple_content TEXT NOT NULL,
    full_content TEXT NOT NULL, importance INTEGER NOT NULL, emotion_valence FLOAT,
    emotion_arousal FLOAT, emotion_dominance FLOAT, emotion_label VARCHAR(50), keywords JSON,
    tags JSON, context_temporal TEXT, context_situational TEXT, version INTEGER NOT NULL,
    parent_id INTEGER, evolution_triggers JSON, created_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL, updated_at DATETIME, last_accessed DATETIME,
    access_count INTEGER NOT NULL, FOREIGN KEY(parent_id) REFERENCES memories (id));
CREATE TABLE categories (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(100) NOT NULL,
    domain VARCHAR(50) NOT NULL, full_path VARCHAR(200) NOT NULL, description TEXT,
    icon VARCHAR(10), importance_range_min INTEGER NOT NULL,
    importance_range_max INTEGER NOT NULL, parent_id INTEGER, UNIQUE (name), UNIQUE (full_path),
    FOREIGN KEY(parent_id) REFERENCES categories (id));
CREATE TABLE memory_category_association (memory_id INTEGER NOT NULL,
    category_id INTEGER NOT NULL, PRIMARY KEY (memory_id, category_id),
    FOREIGN KEY(memory_id) REFERENCES memories (id),
    FOREIGN KEY(category_id) REFERENCES categories (id));
CREATE TABLE memory_links (id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_memory_id INTEGER NOT NULL, to_memory_id INTEGER NOT NULL,
    link_type VARCHAR(50) NOT NULL, strength FLOAT NOT NULL, context TEXT,
    created_at DATETIME NOT NULL, created_by BIGINT, auto_generated BOOLEAN NOT NULL,
    UNIQUE (from_memory_id, to_memory_id, link_type),
    FOREIGN KEY(from_memory_id) REFERENCES memories (id),
    FOREIGN KEY(to_memory_id) REFERENCES memories (id));
CREATE TABLE lessons (id INTEGER PRIMARY KEY AUTOINCREMENT, content TEXT NOT NULL,
    admin_id BIGINT NOT NULL, "order" INTEGER NOT NULL, is_active BOOLEAN NOT NULL,
    created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);
"""
# Built after the rows are in: one sorted build is much faster than maintaining them per row.
INDEXES = (
    "CREATE INDEX ix_messages_chat_id ON messages (chat_id)",
    "CREATE INDEX ix_messages_user_id ON messages (user_id)",
    "CREATE INDEX ix_facts_user_id ON facts (user_id)",
    "CREATE INDEX ix_stats_user_id ON stats (user_id)",
    "CREATE INDEX ix_memory_links_from_memory_id ON memory_links (from_memory_id)",
    "CREATE INDEX ix_memory_links_to_memory_id ON memory_links (to_memory_id)",
)


def _words(prose: str) -> list[str]:
    """Vocabularies written as prose: a list literal would run to one word a line."""
    return prose.split()


RU = _words(
    "привет как дела сегодня завтра вчера кот котик пицца работа код бот сервер ошибка релиз "
    "чат группа друг мама погода дождь солнце метро кофе чай спасибо пожалуйста конечно может "
    "очень хорошо плохо смешно думаю знаю помню смотри вот это новый старый большой маленький "
    "дом город Москва Питер музыка фильм игра книга deploy python баг лол кринж мем ок"
)
EN = _words(
    "hello hey the a bot chat deploy server bug fix release coffee weekend meeting link photo "
    "meme cat dog pizza train rain sun tonight tomorrow yesterday really very good bad funny "
    "think know remember look this that new old big small home city music movie game book "
    "python postgres sqlite lol ok"
)
WORDS = sorted(set(RU) | set(EN))  # sorted: the order of a set of str changes between runs
EMOJI = _words("😀 😂 🤣 😍 🥲 😭 😎 🤔 👍 👎 🔥 🎉 ❤ 💀 🙈 🚀 🍕 ☕ 🐈 ✨")
FIRST_NAMES = _words("Алексей Мария Дмитрий Анна Sergey Kate John Олег🐈 Lena✨ Игорь Юля Max")
LAST_NAMES = _words("Иванов Петрова Smith Кузнецов Müller O'Brien Соколова")
NICKS = _words("neko alex masha dima kot coder night pixel tea_lover ghost")
STAT_TYPES = _words("messages_sent reactions jokes_told karma minutes_online words_per_message")
EMOTIONS = _words("joy sadness anger fear surprise trust nostalgia curiosity")
LINK_TYPES = _words("related causes contradicts elaborates follows")
# full_path → icon; the domain is the path's first part, the parent the path minus its last.
_CATEGORY_SPEC = _words(
    "self 🪞 social.people 👥 social.people.friends 🤝 social.chats 💬 knowledge.facts 📚 "
    "knowledge.tech 💻 interest.music 🎵 interest.games 🎮 episode.events 📅 "
    "episode.events.conflicts ⚡ meta.rules 📏 meta.reflection 🪷"
)
CATEGORIES = dict(zip(_CATEGORY_SPEC[::2], _CATEGORY_SPEC[1::2], strict=True))


@dataclass
class _Chat:
    chat_id: int
    members: list[int]  # users.id of who writes there (a private chat: its one user)
    next_id: int
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=50))


@dataclass
class _World:
    """Shared state every table's rows draw on; small (O(users + chats)), never O(rows)."""

    rng: random.Random
    messages: int
    telegram_ids: list[int]
    chats: list[_Chat]
    chat_weights: list[float]  # cumulative, for rng.choices
    sentences: dict[str, list[str]]

    def moment(self) -> int:
        """A random instant of the span, in microseconds after START."""
        return self.rng.randrange(SPAN_US)

    def after(self, us: int) -> int:
        """A random instant between `us` and the end of the span."""
        return us + self.rng.randrange(SPAN_US - us + 1)

    def text(self, language: str, sentences: int) -> str:
        return " ".join(self.rng.choices(self.sentences[language], k=sentences))

    def emotion(self) -> float | None:
        return None if self.rng.random() < 0.15 else round(self.rng.uniform(-1.0, 1.0), 3)


def _stamp(us: int) -> str:
    """The text the old bot stored: naive UTC, always with six fraction digits."""
    return (START + timedelta(microseconds=us)).isoformat(sep=" ", timespec="microseconds")


def _sentence(rng: random.Random, words: list[str]) -> str:
    picked = rng.choices(words, k=rng.randint(3, 12))
    if rng.random() < 0.3:
        picked.insert(rng.randrange(len(picked) + 1), rng.choice(EMOJI))
    end = rng.choice((".", ".", "!", "?", "…", "", " " + rng.choice(EMOJI)))
    sentence = " ".join(picked)
    return sentence[0].upper() + sentence[1:] + end


def _world(rng: random.Random, messages: int) -> _World:
    users = max(5, messages // 100)
    # Uniform over today's range: about half exceed 2^32, as newer accounts' ids do.
    telegram_ids = rng.sample(range(10**7, 8 * 10**9), users)
    chats = []
    for group in rng.sample(range(10**9, 3 * 10**9), max(3, messages // 6000)):
        members = rng.sample(range(1, users + 1), min(users, rng.randint(3, 300)))
        chats.append(_Chat(-(10**12 + group), members, rng.randint(1, 100_000)))  # -100…
    for user_id in rng.sample(range(1, users + 1), min(users, max(2, len(chats) // 4))):
        chats.append(_Chat(telegram_ids[user_id - 1], [user_id], rng.randint(1, 100_000)))
    weights = list(accumulate(rng.paretovariate(1.2) for _ in chats))  # a few busy chats
    sentences = {
        "ru": [_sentence(rng, RU if rng.random() < 0.8 else WORDS) for _ in range(4096)],
        "en": [_sentence(rng, EN) for _ in range(4096)],
    }
    return _World(rng, messages, telegram_ids, chats, weights, sentences)


def _message_text(w: _World, kind: str, language: str) -> str | None:
    rng = w.rng
    if kind == "sticker" or (kind == "photo" and rng.random() < 0.5):
        return None
    if rng.random() < 0.003:  # the odd wall of text, under Telegram's 4096-char limit
        limit = rng.randint(1000, 4000)
        return w.text(language, limit // 30)[:limit]
    return w.text(language, rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 6, 7)))


def _messages(w: _World) -> Iterator[Row]:
    rng, step = w.rng, SPAN_US / max(1, w.messages)
    for row_id in range(1, w.messages + 1):
        chat = rng.choices(w.chats, cum_weights=w.chat_weights)[0]
        message_id = chat.next_id
        chat.next_id += 1 if rng.random() < 0.9 else rng.randint(2, 6)  # deleted or unseen
        reply = rng.choice(chat.recent) if chat.recent and rng.random() < 0.15 else None
        chat.recent.append(message_id)
        kind = rng.choices(("text", "photo", "sticker"), cum_weights=(90, 96, 100))[0]
        language = "ru" if rng.random() < 0.65 else "en"
        text = _message_text(w, kind, language)
        detected = language if text is not None and rng.random() < 0.9 else None
        stamp = _stamp(int((row_id - rng.random()) * step))  # increasing with the row id
        user_id = rng.choice(chat.members)
        yield row_id, user_id, chat.chat_id, message_id, reply, text, kind, detected, stamp


def _users(w: _World) -> Iterator[Row]:
    rng = w.rng
    for row_id, telegram_id in enumerate(w.telegram_ids, 1):
        username = f"{rng.choice(NICKS)}_{row_id}" if rng.random() < 0.75 else None
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES) if rng.random() < 0.4 else None
        friend = int(rng.random() < 0.1)
        language = rng.choice(("ru", "ru", "en", "uk", "de", "pt-br", None))
        created = w.moment()
        times = _stamp(created), _stamp(w.after(created))
        yield row_id, telegram_id, username, first, last, friend, language, *times


def _facts(w: _World, amount: int) -> Iterator[Row]:
    rng, users = w.rng, len(w.telegram_ids)
    for row_id in range(1, amount + 1):
        source = rng.choice(("conversation", "profile", "inferred", None))
        text = w.text(rng.choice(("ru", "en")), rng.randint(1, 2))
        yield row_id, rng.randint(1, users), text, source, _stamp(w.moment())


def _stats(w: _World, amount: int) -> Iterator[Row]:
    rng, users = w.rng, len(w.telegram_ids)
    for row_id in range(1, amount + 1):
        value = 1.0 if rng.random() < 0.5 else round(rng.uniform(-50.0, 500.0), 2)
        extra = None
        if rng.random() < 0.4:
            extra = json.dumps({"chat_id": rng.choice(w.chats).chat_id, "source": "handler"})
        kind, user_id = rng.choice(STAT_TYPES), rng.randint(1, users)
        yield row_id, user_id, kind, value, extra, _stamp(w.moment())


def _jokes(w: _World, amount: int) -> Iterator[Row]:
    rng = w.rng
    for row_id in range(1, amount + 1):
        message_id = rng.randint(1, 10**6) if rng.random() < 0.7 else None
        chat_id = rng.choice(w.chats).chat_id
        language = rng.choice(("ru", "en", None))
        text = w.text(language or "ru", rng.randint(1, 3))
        kind = rng.choice(("pun", "cached", "generated", "anecdote"))
        context = w.text("ru", 1) if rng.random() < 0.5 else None
        reactions, likes = rng.randint(0, 40), rng.randint(0, 25)
        created = _stamp(w.moment())
        yield row_id, message_id, chat_id, text, kind, language, context, reactions, likes, created


def _memory_lists(w: _World, parent: int | None) -> tuple[str, str | None, str | None]:
    """keywords, tags and evolution_triggers: JSON text, as SQLAlchemy's JSON type wrote it."""
    rng = w.rng
    keywords = json.dumps(rng.sample(WORDS, rng.randint(0, 6)))
    tags = json.dumps(rng.sample(EN, rng.randint(1, 3))) if rng.random() < 0.7 else None
    triggers = None
    if parent is not None:  # the messages that made it evolve
        triggers = json.dumps(rng.sample(range(1, w.messages + 1), rng.randint(1, 3)))
    return keywords, tags, triggers


def _memories(w: _World, amount: int) -> Iterator[Row]:
    rng, step = w.rng, SPAN_US / max(1, amount)
    versions = array("i")  # one int per memory: a child's version follows its parent's
    for row_id in range(1, amount + 1):
        parent = rng.randrange(1, row_id) if row_id > 1 and rng.random() < 0.2 else None
        versions.append(1 if parent is None else versions[parent - 1] + 1)
        language = rng.choice(("ru", "en"))
        contents = w.text(language, 1), w.text(language, rng.randint(2, 6))
        emotions = w.emotion(), w.emotion(), w.emotion()
        label = rng.choice(EMOTIONS) if rng.random() < 0.8 else None
        temporal = w.text("ru", 1) if rng.random() < 0.3 else None
        situational = w.text("en", 1) if rng.random() < 0.3 else None
        keywords, tags, triggers = _memory_lists(w, parent)
        created = int((row_id - rng.random()) * step)  # increasing: parents are older
        updated = _stamp(w.after(created)) if rng.random() < 0.5 else None
        accessed = _stamp(w.after(created)) if rng.random() < 0.6 else None
        accesses = rng.randint(1, 500) if accessed else 0
        yield (row_id, *contents, rng.randint(0, 10_000), *emotions, label, keywords, tags,
               temporal, situational, versions[-1], parent, triggers, rng.choice(w.telegram_ids),
               _stamp(created), updated, accessed, accesses)  # fmt: skip


def _categories() -> Iterator[Row]:
    paths = list(CATEGORIES)
    for row_id, (path, icon) in enumerate(CATEGORIES.items(), 1):
        parent, _, name = path.rpartition(".")
        parent_id = paths.index(parent) + 1 if parent in CATEGORIES else None
        domain = path.split(".")[0]
        yield row_id, name, domain, path, f"Memories about {name}.", icon, 0, 10_000, parent_id


def _associations(w: _World, memories: int) -> Iterator[Row]:
    for memory_id in range(1, memories + 1):
        amount = w.rng.choices((0, 1, 2), cum_weights=(10, 85, 100))[0]
        for category_id in w.rng.sample(range(1, len(CATEGORIES) + 1), amount):
            yield memory_id, category_id


def _links(w: _World, memories: int) -> Iterator[Row]:
    """About one link per memory; distinct targets per source keep (from, to, type) unique."""
    rng, ids = w.rng, count(1)
    for source in range(1, memories + 1):
        amount = min(memories, rng.choices((0, 1, 2), cum_weights=(30, 70, 100))[0])
        for target in rng.sample(range(1, memories + 1), amount):
            if target == source:
                continue
            kind, strength = rng.choice(LINK_TYPES), round(rng.random(), 3)
            context = w.text("en", 1) if rng.random() < 0.3 else None
            author = rng.choice(w.telegram_ids) if rng.random() < 0.5 else None
            created, auto = _stamp(w.moment()), int(author is None)
            yield next(ids), source, target, kind, strength, context, created, author, auto


def _lessons(w: _World) -> Iterator[Row]:
    for order in range(10):
        content = w.text("ru", 2)
        admin = w.rng.choice(w.telegram_ids[:3])
        created = w.moment()
        times = _stamp(created), _stamp(w.after(created))
        yield order + 1, content, admin, order, int(order % 4 != 3), *times


def _insert(connection: sqlite3.Connection, table: str, rows: Iterable[Row]) -> int:
    columns = [info[1] for info in connection.execute(f'PRAGMA table_info("{table}")')]
    names = ", ".join(f'"{name}"' for name in columns)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    written, rows = 0, iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        connection.executemany(sql, chunk)
        written += len(chunk)
    return written


def _tables(w: _World) -> Iterator[tuple[str, Iterable[Row]]]:
    n = w.messages
    yield "users", _users(w)
    yield "messages", _messages(w)
    yield "facts", _facts(w, n // 20)
    yield "stats", _stats(w, n // 10)
    yield "jokes", _jokes(w, n // 100)
    yield "memories", _memories(w, n // 20)
    yield "categories", _categories()
    yield "memory_category_association", _associations(w, n // 20)
    yield "memory_links", _links(w, n // 20)
    yield "lessons", _lessons(w)


def make_legacy_db(path: Path, *, messages: int, seed: int = 1) -> dict[str, int]:
    """Write a new legacy database at `path` and return its row counts per table.

    Written under a `.partial` name and renamed at the end, so an interrupted run never leaves
    a file that looks complete (the benchmark caches these files by name).
    """
    if path.exists():
        raise FileExistsError(f"{path} exists")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    world = _world(random.Random(seed), messages)
    try:
        with closing(sqlite3.connect(partial, isolation_level=None)) as connection:
            connection.execute("PRAGMA journal_mode = OFF")  # a failed run is deleted instead
            connection.execute("PRAGMA synchronous = OFF")
            connection.executescript(SCHEMA)
            connection.execute("BEGIN")
            counts = {table: _insert(connection, table, rows) for table, rows in _tables(world)}
            for index in INDEXES:
                connection.execute(index)
            connection.execute("COMMIT")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the SQLite file to create")
    parser.add_argument("--messages", type=int, default=2000, help="messages (sets other tables)")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same rows")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    args = parser.parse_args(argv)
    if args.messages < 0:
        parser.error("--messages must be >= 0")
    if args.out.exists():
        if not args.force:
            parser.error(f"{args.out} exists; pass --force to overwrite it")
        args.out.unlink()
    counts = make_legacy_db(args.out, messages=args.messages, seed=args.seed)
    tables = ", ".join(f"{table}={rows}" for table, rows in counts.items())
    print(f"{args.out}: {tables}; {args.out.stat().st_size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
