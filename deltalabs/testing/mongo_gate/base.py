"""A django-mongodb-backend connection that compiles queries but never talks to a server.

Used by the compile gate (``deltalabs.testing.compile_gate``): the real
backend's compilers run in full, down to the pipeline handed to pymongo; the
collection they hand it to is a stand-in that checks the pipeline is
BSON-encodable and returns nothing.
"""

from __future__ import annotations

import bson

from deltalabs.mongodb.base import DatabaseWrapper as MongoDatabaseWrapper


class _Result:
    def __init__(self, **values):
        self.__dict__.update(values)


class _EmptyCursor:
    """Quacks like a pymongo CommandCursor with no documents."""

    def __iter__(self):
        return self

    def __next__(self):
        raise StopIteration

    next = __next__


class GateCollection:
    """Accepts what the compilers send to pymongo and returns empty results."""

    def __init__(self, name: str):
        self.name = name

    @staticmethod
    def _encode(**documents) -> None:
        # Raises InvalidDocument on values pymongo could not send.
        bson.encode(dict(documents.items()))

    def aggregate(self, pipeline, session=None, **kwargs):
        self._encode(pipeline=pipeline)
        return _EmptyCursor()

    def insert_many(self, documents, session=None, **kwargs):
        self._encode(documents=list(documents))
        return _Result(inserted_ids=[document.get("_id") for document in documents])

    def update_many(self, criteria, update, session=None, **kwargs):
        self._encode(criteria=criteria, update=update)
        return _Result(matched_count=0, modified_count=0)

    def delete_many(self, criteria, session=None, **kwargs):
        self._encode(criteria=criteria)
        return _Result(deleted_count=0)


class DatabaseWrapper(MongoDatabaseWrapper):
    def get_collection(self, name, **kwargs):
        return GateCollection(name)

    def get_database_version(self):
        # Compile for the oldest server the project supports (the backend's
        # minimum too): MongoDB 6.0.
        return (6, 0)

    def ensure_connection(self):
        # Never connect: the gate only compiles.
        return None

    def connect(self):
        return None
