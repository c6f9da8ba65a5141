# ruff: noqa: RUF001 (Cyrillic letters that look Latin are the point of the sample text)
"""Generate a Telegram Desktop "Export chat history" JSON (full-account shape) of any size.

`legacy_import` streams Telegram exports and promises flat memory and a steady rate at any
size. That can only be checked on files of hundreds of MB and more, made reproducibly and
without anyone's real chats. The same seed always gives the same bytes.

    python scripts/make_telegram_export.py OUT.json [--megabytes 100] [--seed 1] [--force]

The shape is Telegram Desktop's since 2022 (`chats.list`, `left_chats.list`, `date_unixtime`),
with what makes real exports awkward to import: text as a string or as a list of strings and
entities; Cyrillic, Latin, Hebrew and Arabic words with emoji inside and outside the BMP;
service entries; media placeholders; replies, edits and forwards; deleted accounts (`from`
null); users renamed over time (the same `from_id`, a different `from` from some date on);
channel posts (`from_id` channel<id>); chat ids above 2**32; supergroups whose ids start
negative, as after a migration from a basic group. `date` is written in UTC, so it and
`date_unixtime` agree whatever --timezone the importer is given.

Each message is one `json.dumps` line, written as it is made, under a `.partial` name renamed
at the end: memory stays flat at any size (about 20 MB RSS). Real exports indent by one space
per level; compact lines keep json.dumps on its C encoder and change only whitespace.
--megabytes counts MiB (2**20 bytes); each chat is given a skewed share of them.
Importable (no side effects) for the benchmark and tests:
`make_telegram_export(path, megabytes, seed)` returns the counts of what it wrote.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import deque
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import IO, Any

MIB = 2**20
OWNER_ID = 1_000_001
SPAN_START = 1_451_606_400  # 2016-01-01T00:00:00 UTC
SPAN_END = 1_751_328_000  # 2025-07-01T00:00:00 UTC
USERS_PER_MB = 0.5  # about 500 distinct users per GB, as in a busy account's export
MIN_USERS = 16  # peers of the personal chats, and a few members for each group
NEVER = SPAN_END + 1  # the rename time of names that never change
# Every chat starts before LATEST_START and ends in the span's last month, so renames between
# LATEST_START and that month fall inside every chat.
LATEST_START = SPAN_START + (SPAN_END - SPAN_START) * 6 // 10
LAST_MONTH = 30 * 86_400
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
BOT_CHATS = 2
# About 20 chats; the left chat is one more private supergroup.
CHAT_TYPES = (
    ["personal_chat"] * 7
    + ["bot_chat"] * BOT_CHATS
    + ["private_group"] * 2
    + ["private_supergroup"] * 3
    + ["public_supergroup"] * 2
    + ["private_channel"] * 2
    + ["public_channel"] * 2
)
GROUPS = frozenset({"private_group", "private_supergroup", "public_supergroup"})
CHANNELS = frozenset({"private_channel", "public_channel"})
SERVICE_SHARE = 0.05
MEDIA_SHARE = 0.15
LIST_TEXT_SHARE = 0.30


def _words(prose: str) -> list[str]:
    """Vocabularies written as prose: a list literal would run to one word a line."""
    return prose.split()


RU = _words(
    "привет как дела сегодня завтра вчера кот котик пицца работа код бот сервер ошибка релиз "
    "чат группа друг мама погода дождь солнце метро кофе чай спасибо пожалуйста конечно может "
    "очень хорошо плохо смешно думаю знаю помню смотри вот это новый старый большой маленький "
    "дом город Москва Питер музыка фильм игра книга деплой баг лол кринж мем ок ёлка щука"
)
EN = _words(
    "hello hey the a bot chat deploy server bug fix release coffee weekend meeting link photo "
    "meme cat dog pizza train rain sun tonight tomorrow yesterday really very good bad funny "
    "think know remember look this that new old big small home city music movie game book "
    "python postgres sqlite lol ok"
)
RTL = _words("שלום תודה בוקר טוב מה נשמע مرحبا شكرا صباح الخير كيف حالك")
EMOJI = _words("😀 😂 🤣 😍 🥲 😭 😎 🤔 👍 👎 🔥 🎉 💀 🙈 🚀 🍕 🐈 ❤ ☕ ✨ ⚡ ☀")
SHORT = _words("ок да нет +1 lol ахах 👍 😀 😂😂😂 🔥 ok шалом שלום شكرا ?? 🤔")
FIRST_NAMES = _words(
    "Алексей Мария Дмитрий Анна Sergey Kate John Олег🐈 Lena✨ Игорь Юля Max דני أحمد Zoë"
)
LAST_NAMES = _words("Иванов Петрова Smith Кузнецов Müller O'Brien Соколова כהן")
NICKS = _words("neko alex masha dima kot coder night pixel tea_lover ghost")
BOTS = _words("WeatherBot GifBot 📦DeliveryBot TranslateBot")
GROUP_TITLES = _words(
    "Котики🐈 Python_Moscow Семья❤ Work_chat מתכנתים عائلة D&D_пятница Release_crew🚀 "
    "Дача Book_club Бег_по_утрам"
)
CHANNEL_TITLES = _words("Новости📰 Tech_Digest Мемы_дня Daily_Photo ☕Coffee_notes")
HASHTAGS = _words("#python #котики #release #погода #meme #חדשות")
CODE = ("SELECT 1;", "pip install -U sqlmodel", "git push --force-with-lease", "print('😀')")
PHOTO_SIZES = ((1280, 960), (960, 1280), (1280, 720), (800, 800), (2560, 1440))


@dataclass(frozen=True)
class _Author:
    from_id: str
    old_name: str | None  # None: a deleted account
    new_name: str | None
    renamed_at: int  # unix time from which new_name shows; after SPAN_END: never renamed

    def name(self, at: int) -> str | None:
        return self.new_name if at >= self.renamed_at else self.old_name


@dataclass(frozen=True)
class _Chat:
    name: str | None
    type: str
    id: int
    budget: int  # bytes of messages to write
    first_id: int  # negative: the history of the basic group this supergroup migrated from
    start: int
    end: int
    members: list[_Author]
    member_weights: list[float]  # cumulative: a few members write most messages


@dataclass
class _Counts:
    messages: int = 0
    service: int = 0
    media: int = 0


class _Writer:
    """Makes and writes the messages; its state is O(authors + chats), never O(messages)."""

    def __init__(self, rng: random.Random, out: IO[bytes], users: list[_Author]) -> None:
        self.rng = rng
        self.out = out
        self.users = users
        self.counts = _Counts()
        self.from_ids: set[str] = set()
        self.sentences = [self._sentence() for _ in range(4096)]

    def _sentence(self) -> str:
        rng = self.rng
        words = RU if rng.random() < 0.6 else EN
        picked = rng.choices(words, k=rng.randint(3, 12))
        if rng.random() < 0.05:
            picked.insert(rng.randrange(len(picked) + 1), rng.choice(RTL))
        if rng.random() < 0.3:
            picked.insert(rng.randrange(len(picked) + 1), rng.choice(EMOJI))
        end = rng.choice((".", ".", "!", "?", "…", "", " " + rng.choice(EMOJI)))
        sentence = " ".join(picked)
        return sentence[0].upper() + sentence[1:] + end

    def text(self) -> str:
        """Mostly a sentence or a few; now and then a reaction, or a wall of up to 2,000."""
        rng, roll = self.rng, self.rng.random()
        if roll < 0.1:
            return rng.choice(SHORT)
        if roll < 0.97:
            return " ".join(rng.choices(self.sentences, k=rng.choice((1, 1, 1, 2, 2, 3, 4, 6))))
        limit = rng.randint(500, 2000)
        return " ".join(rng.choices(self.sentences, k=limit // 30))[:limit]

    def _entity(self) -> dict[str, str]:
        rng = self.rng
        kind = rng.choice(("bold", "italic", "link", "text_link", "mention", "hashtag", "code"))
        if kind == "link":
            return {
                "type": kind,
                "text": f"https://example.org/{rng.choice(EN)}/{rng.randrange(10**6)}",
            }
        if kind == "text_link":
            href = f"https://example.com/{rng.choice(EN)}"
            return {"type": kind, "text": rng.choice(RU), "href": href}
        if kind == "mention":
            return {"type": kind, "text": f"@{rng.choice(NICKS)}{rng.randrange(100)}"}
        if kind == "hashtag":
            return {"type": kind, "text": rng.choice(HASHTAGS)}
        if kind == "code":
            return {"type": kind, "text": rng.choice(CODE)}
        return {"type": kind, "text": " ".join(rng.choices(RU + EN, k=rng.randint(1, 3)))}

    def formatted(self) -> tuple[str | list[str | dict[str, str]], list[dict[str, str]]]:
        """`text` and its `text_entities`: a plain string, or strings and entities mixed."""
        if self.rng.random() >= LIST_TEXT_SHARE:
            text = self.text()
            return text, [{"type": "plain", "text": text}]
        parts: list[str | dict[str, str]] = []
        for _ in range(self.rng.randint(1, 3)):
            parts.append(self.rng.choice(self.sentences) + " ")
            parts.append(self._entity())
        if self.rng.random() < 0.5:
            parts.append(" " + self.rng.choice(self.sentences))
        entities = [{"type": "plain", "text": p} if isinstance(p, str) else p for p in parts]
        return parts, entities

    def media(self) -> tuple[dict[str, Any], bool]:
        """The keys a media message carries, and whether it may have a caption."""
        rng = self.rng
        kind = rng.choices(
            ("photo", "sticker", "voice_message", "video_file", "animation"),
            cum_weights=(40, 60, 75, 90, 100),
        )[0]
        size = rng.randint(10_000, 5_000_000)
        if kind == "photo":
            width, height = rng.choice(PHOTO_SIZES)
            keys = {"photo": NOT_INCLUDED, "photo_file_size": size, "width": width}
            return keys | {"height": height}, True
        keys = {"file": NOT_INCLUDED, "file_size": size}
        if kind == "sticker":
            keys |= {"thumbnail": NOT_INCLUDED, "media_type": kind}
            return keys | {"sticker_emoji": rng.choice(EMOJI), "width": 512, "height": 512}, False
        if kind == "voice_message":
            keys |= {"media_type": kind, "mime_type": "audio/ogg"}
            return keys | {"duration_seconds": rng.randint(1, 300)}, False
        keys |= {"thumbnail": NOT_INCLUDED, "media_type": kind, "mime_type": "video/mp4"}
        if kind == "video_file":
            keys["duration_seconds"] = rng.randint(1, 600)
        return keys | {"width": 1280, "height": 720}, kind == "video_file"

    def message(self, chat: _Chat, msg_id: int, at: int, recent: deque[int]) -> dict[str, Any]:
        rng = self.rng
        author = rng.choices(chat.members, cum_weights=chat.member_weights)[0]
        self.from_ids.add(author.from_id)
        message: dict[str, Any] = {"id": msg_id, "type": "message", **_dates("date", at)}
        if rng.random() < 0.04:
            message |= _dates("edited", at + rng.randint(10, 86_400))
        message |= {"from": author.name(at), "from_id": author.from_id}
        if rng.random() < 0.03:
            message["forwarded_from"] = rng.choice(self.users).name(at)
        if recent and rng.random() < 0.15:
            message["reply_to_message_id"] = rng.choice(recent)
        if rng.random() < MEDIA_SHARE:
            keys, captioned = self.media()
            message |= keys
            self.counts.media += 1
            if not (captioned and rng.random() < 0.4):
                return message | {"text": "", "text_entities": []}
        text, entities = self.formatted()
        return message | {"text": text, "text_entities": entities}

    def service(
        self, chat: _Chat, msg_id: int, at: int, recent: deque[int], action: str
    ) -> dict[str, Any]:
        rng = self.rng
        actor = rng.choices(chat.members, cum_weights=chat.member_weights)[0]
        self.from_ids.add(actor.from_id)
        message: dict[str, Any] = {"id": msg_id, "type": "service", **_dates("date", at)}
        message |= {"actor": actor.name(at), "actor_id": actor.from_id, "action": action}
        if action in ("create_group", "edit_group_title"):
            message["title"] = rng.choice(GROUP_TITLES).replace("_", " ")
        if action in ("create_group", "invite_members"):
            invited = rng.sample(self.users, min(len(self.users), rng.randint(1, 3)))
            message["members"] = [a.name(at) for a in invited]
        if action == "pin_message":
            message["message_id"] = rng.choice(recent)
        self.counts.service += 1
        return message | {"text": "", "text_entities": []}

    def entry(self, chat: _Chat, msg_id: int, at: int, recent: deque[int]) -> dict[str, Any]:
        """A regular message, or about one time in 20 a service entry the chat type allows."""
        rng = self.rng
        if msg_id == chat.first_id and (chat.type == "private_group" or chat.first_id < 0):
            return self.service(chat, msg_id, at, recent, "create_group")
        if rng.random() < SERVICE_SHARE:
            actions = ["pin_message"] if recent else []
            if chat.type in GROUPS:
                actions += ["invite_members", "edit_group_title"]
            elif chat.type in CHANNELS:
                actions.append("edit_group_title")
            if actions:
                return self.service(chat, msg_id, at, recent, rng.choice(actions))
        return self.message(chat, msg_id, at, recent)

    def chat(self, chat: _Chat) -> None:
        """One chat object, its messages spread over its time span in proportion to bytes."""
        rng, out = self.rng, self.out
        header = json.dumps(
            {"name": chat.name, "type": chat.type, "id": chat.id}, ensure_ascii=False
        )
        out.write(header[:-1].encode() + b', "messages": [\n')
        msg_id, at, written = chat.first_id, chat.start, 0
        recent: deque[int] = deque(maxlen=50)
        span = chat.end - chat.start
        separator = b""
        while written < chat.budget:
            at = max(at, chat.start + written * span // chat.budget + rng.randrange(600))
            line = json.dumps(self.entry(chat, msg_id, at, recent), ensure_ascii=False)
            written += out.write(separator + line.encode())
            separator = b",\n"
            self.counts.messages += 1
            recent.append(msg_id)
            msg_id += 1 if rng.random() < 0.9 else rng.randint(2, 6)  # deleted since
            if recent[-1] < 0 <= msg_id:  # the supergroup's own ids start at 1
                msg_id = 1
        out.write(b"\n]}")


def _dates(key: str, at: int) -> dict[str, str]:
    return {
        key: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)),
        f"{key}_unixtime": str(at),
    }


def _display_name(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES)
    return f"{first} {rng.choice(LAST_NAMES)}" if rng.random() < 0.4 else first


def _people(rng: random.Random, users: int, bots: int) -> tuple[list[_Author], list[_Author]]:
    """Users and bots with distinct ids, about half above 2**32 as newer accounts' are; the
    largest goes first, to be a personal chat's id. About one user in 50 is a deleted account
    and one in 10 is renamed, at least one of each at any size: the second user (a personal
    chat's peer) is renamed, the last (a group member) deleted."""
    ids = rng.sample(range(10**7, 8 * 10**9), users + bots)
    largest = ids.index(max(ids))
    ids[0], ids[largest] = ids[largest], ids[0]
    people = []
    for k, user_id in enumerate(ids[:users]):
        if k == users - 1 or (k > 1 and rng.random() < 0.02):
            people.append(_Author(f"user{user_id}", None, None, NEVER))
            continue
        old = _display_name(rng)
        new, renamed_at = old, NEVER
        if k == 1 or rng.random() < 0.1:
            new = _display_name(rng) + " ✨"
            renamed_at = rng.randrange(LATEST_START, SPAN_END - LAST_MONTH)
        people.append(_Author(f"user{user_id}", old, new, renamed_at))
    names = rng.sample(BOTS, bots)
    robots = [_Author(f"user{i}", n, n, NEVER) for i, n in zip(ids[users:], names, strict=True)]
    return people, robots


def _chats(
    rng: random.Random, budget: int, owner: _Author, users: list[_Author], bots: list[_Author]
) -> list[_Chat]:
    """The chats in file order, the left chat last. Personal chats are with users that were
    not deleted; every other user joins a group, the busy groups getting the most members, so
    nearly every user writes something."""
    types = [*CHAT_TYPES, "private_supergroup"]
    shares = [rng.lognormvariate(0, 1.5) for _ in types]  # the largest ~100 times the least
    peers = [u for u in users if u.old_name is not None][: types.count("personal_chat")]
    joiners = [u for u in users if u not in peers]
    groups = [k for k, kind in enumerate(types) if kind in GROUPS]
    members = {k: [owner, *rng.sample(joiners, min(3, len(joiners)))] for k in groups}
    group_weights = list(accumulate(shares[k] for k in groups))
    for user in joiners:
        chosen = members[rng.choices(groups, cum_weights=group_weights)[0]]
        if user not in chosen:
            chosen.append(user)
    big_ids = iter(rng.sample(range(10**9, 3 * 10**9), len(types)))
    migrated = False  # the first private supergroup always migrated, later ones at random
    chats = []
    for k, kind in enumerate(types):
        first_id = rng.randint(1, 200_000)
        name: str | None
        if kind in ("personal_chat", "bot_chat"):
            peer = (peers if kind == "personal_chat" else bots).pop(0)
            name, chat_id, people = peer.name(SPAN_END), int(peer.from_id[4:]), [owner, peer]
        elif kind in CHANNELS:
            chat_id, name = next(big_ids), rng.choice(CHANNEL_TITLES).replace("_", " ")
            people = [_Author(f"channel{chat_id}", name, name, NEVER)]
        else:
            small = kind == "private_group"  # a basic group's ids are smaller
            chat_id = rng.randrange(10**8, 2**31) if small else next(big_ids)
            name, people = rng.choice(GROUP_TITLES).replace("_", " "), members[k]
            if kind == "private_supergroup" and (not migrated or rng.random() < 0.4):
                first_id, migrated = -rng.randint(100, 50_000), True
        start, end = rng.randrange(SPAN_START, LATEST_START), SPAN_END - rng.randrange(LAST_MONTH)
        weights = list(accumulate(rng.paretovariate(1.2) for _ in people))  # a few chatty
        share = max(1, int(budget * shares[k] / sum(shares)))
        chats.append(_Chat(name, kind, chat_id, share, first_id, start, end, people, weights))
    return chats


def make_telegram_export(path: Path, megabytes: float, seed: int = 1) -> dict[str, int]:
    """Write a new export at `path`; return how many chats, messages (service entries
    included), service entries, media messages and distinct authors it holds, and its bytes.

    Written under a `.partial` name and renamed at the end, so an interrupted run never leaves
    a file that looks complete (the benchmark caches these files by name).
    """
    if path.exists():
        raise FileExistsError(f"{path} exists")
    rng = random.Random(seed)
    owner = _Author(f"user{OWNER_ID}", "Алексей", "Алексей", NEVER)
    users, bots = _people(rng, max(MIN_USERS, round(megabytes * USERS_PER_MB)), BOT_CHATS)
    chats = _chats(rng, int(megabytes * MIB), owner, users, bots)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb", buffering=MIB) as out:
            writer = _Writer(rng, out, users)
            head = {
                "about": "Here is the data you requested from Telegram. Fields are explained at "
                "https://core.telegram.org/import-export",
                "personal_information": {
                    "user_id": OWNER_ID,
                    "first_name": "Алексей",
                    "last_name": "Иванов",
                    "phone_number": "+7 900 000 00 00",
                    "username": "@alexey_demo",
                    "bio": "Пишу код ☕ 😀",
                },
            }
            about = "This page lists all chats from this export."
            out.write(json.dumps(head, ensure_ascii=False)[:-1].encode())
            for key, listed in (("chats", chats[:-1]), ("left_chats", chats[-1:])):
                out.write(f',\n"{key}": {{"about": "{about}", "list": [\n'.encode())
                for k, chat in enumerate(listed):
                    if k:
                        out.write(b",\n")
                    writer.chat(chat)
                out.write(b"\n]}")
            out.write(b"\n}\n")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    counts = writer.counts
    return {
        "chats": len(chats),
        "messages": counts.messages,
        "service": counts.service,
        "media": counts.media,
        "authors": len(writer.from_ids),
        "bytes": path.stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the JSON file to create")
    parser.add_argument("--megabytes", type=float, default=100.0, help="size in MiB (2**20 B)")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same bytes")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    args = parser.parse_args(argv)
    if args.megabytes <= 0:
        parser.error("--megabytes must be > 0")
    if args.out.exists():
        if not args.force:
            parser.error(f"{args.out} exists; pass --force to overwrite it")
        args.out.unlink()
    start = time.perf_counter()
    counts = make_telegram_export(args.out, args.megabytes, args.seed)
    seconds = time.perf_counter() - start
    size = counts["bytes"] / MIB
    print(
        f"{args.out}: {counts['chats']} chats, {counts['messages']:,} messages "
        f"({counts['service']:,} service, {counts['media']:,} media), "
        f"{counts['authors']:,} authors; {size:.1f} MiB in {seconds:.1f} s "
        f"({size / seconds:.1f} MiB/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
