"""Jokes: the shared verbs are all they need."""

from __future__ import annotations

from sqlmodel_store.models import Joke, JokeCreate, JokeUpdate
from sqlmodel_store.repositories.base import Repository


class JokeRepository(Repository[Joke, JokeCreate, JokeUpdate]):
    table = Joke
    create_schema = JokeCreate
    update_schema = JokeUpdate
