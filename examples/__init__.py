"""Schemas other than the bot's, built only on sqlmodel_store's public toolkit."""
