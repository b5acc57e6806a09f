"""Serve a ``mongoeco`` MongoDB wire emulator on loopback for ``make test-mongo``.

Runs under the emulator's own interpreter (``.venv-mongo``, Python 3.13; see
``requirements-mongo.txt``), never under Django: ``deltalabs.testing.mongo_engine``
starts it, reads the ``ready <uri>`` line and points ``DATABASE_URL`` at it.

mongoeco speaks the wire protocol and runs what django-mongodb-backend emits,
with five gaps against a real MongoDB server that this suite meets (four known
beforehand, one found by the suite). Each bridge below closes one of them, as
small as it can be, and names the MongoDB behaviour it reproduces.
Nothing else is changed: what the emulator cannot model (per-document write
conflicts, very large data) is skipped instead, see ``emulator_cannot_judge``.

    python mongoeco_server.py [--port 0]
"""

from __future__ import annotations

import argparse
import asyncio
import sys


def install_bridges() -> None:
    from mongoeco.engines import memory
    from mongoeco.wire import executor, handshake

    # Bridge 1. MongoDB answers ``buildinfo`` as an alias of ``buildInfo`` (command
    # names are matched case-insensitively for this legacy command); pymongo's
    # ``server_info()``, which the Django backend calls for the server version,
    # sends the lowercase name.
    build_request_context = executor.build_request_context

    def build_request_context_bridged(body, **kwargs):
        if next(iter(body), None) == "buildinfo":
            body = {"buildInfo": body["buildinfo"], **{k: v for k, v in body.items() if k != "buildinfo"}}
        if "aggregate" in body and isinstance(body.get("pipeline"), list):
            body = {**body, "pipeline": _merging_add_fields(body["pipeline"])}
        return build_request_context(body, **kwargs)

    executor.build_request_context = build_request_context_bridged

    # Bridge 2. A replica-set member's ``hello`` names its set (``setName``,
    # ``hosts``, ``primary``): that is how drivers, the Django backend's
    # ``_supports_transactions`` and our readiness check know transactions are
    # available. mongoeco supports transactions but answers like a standalone.
    build_hello_response = handshake.WireHandshakeService.build_hello_response

    def build_replica_set_hello(self, *, command_name, body, connection):
        response = build_hello_response(self, command_name=command_name, body=body, connection=connection)
        me = f"{_ADDRESS[0]}:{_ADDRESS[1]}"
        response.update(setName="rs0", setVersion=1, hosts=[me], primary=me, me=me, secondary=False)
        return response

    handshake.WireHandshakeService.build_hello_response = build_replica_set_hello

    # Bridge 3. MongoDB's ``$not`` aggregation expression: ``{"$not": [expr]}``
    # or ``{"$not": expr}`` is true when ``expr`` is falsy (false, null, 0,
    # missing). The Django
    # backend emits it for "IS NOT NULL" inside $expr, e.g. in the seat-counter
    # updates. Registered through mongoeco's own extension hook.
    from mongoeco.core.aggregation.extensions import register_aggregation_expression_operator

    def not_expression(document, spec, variables, dialect, context):
        (operand,) = spec if isinstance(spec, list) and len(spec) == 1 else (spec,)
        return not dialect.expression_truthy(context.evaluate_expression(document, operand, variables))

    register_aggregation_expression_operator("$not", not_expression)

    # Bridge 4. MongoDB keeps several indexes on one key pattern when their
    # partial filters differ (Django emits one per conditional UniqueConstraint,
    # e.g. "one active X per user" next to "one pending X per user"); mongoeco
    # refuses the second. The existing same-key indexes with another filter are
    # set aside while the new one is created, then put back.
    create_index = memory.MemoryEngine.create_index

    async def create_index_beside_other_filters(self, db_name, coll_name, keys, **options):
        indexes = self._indexes_view(options.get("context")).get(db_name, {}).get(coll_name, [])
        new_keys = memory.normalize_index_keys(keys)
        new_filter = memory.normalize_partial_filter_expression(options.get("partial_filter_expression"))
        aside = [
            index
            for index in indexes
            if index["key"] == new_keys and index.get("partial_filter_expression") != new_filter
        ]
        for index in aside:
            indexes.remove(index)
        try:
            return await create_index(self, db_name, coll_name, keys, **options)
        finally:
            indexes.extend(aside)

    memory.MemoryEngine.create_index = create_index_beside_other_filters


# Bridge 5 (found by this project's suite, beyond the four known gaps).
# MongoDB reads an embedded-document literal in $addFields/$set and $project
# as paths into the embedded document: {"$addFields": {"course": {"title": ...}}}
# keeps the other fields of "course", exactly as {"course.title": ...} does,
# and {"$project": {"enrollment": {"status": 1}}} includes "enrollment.status".
# mongoeco replaces the embedded document with the literal, so joined rows
# lost their related columns (sorted by the related model's ordering) or got
# the literal 1 instead of the value (values() across a join), both of which
# the backend emits after $lookup. Spelling such literals as dotted paths asks
# mongoeco for MongoDB's result.


def _dotted(prefix: str, value) -> dict:
    if isinstance(value, dict) and value and not any(str(key).startswith("$") for key in value):
        merged = {}
        for key, item in value.items():
            merged.update(_dotted(f"{prefix}.{key}", item))
        return merged
    return {prefix: value}


def _merging_add_fields(pipeline: list) -> list:
    bridged = []
    for stage in pipeline:
        if isinstance(stage, dict) and len(stage) == 1:
            ((operator, spec),) = stage.items()
            if operator in ("$addFields", "$set", "$project") and isinstance(spec, dict):
                flat = {}
                for key, value in spec.items():
                    flat.update(_dotted(key, value))
                stage = {operator: flat}
            elif operator == "$lookup" and isinstance(spec, dict) and isinstance(spec.get("pipeline"), list):
                stage = {operator: {**spec, "pipeline": _merging_add_fields(spec["pipeline"])}}
            elif operator == "$facet" and isinstance(spec, dict):
                stage = {operator: {name: _merging_add_fields(inner) for name, inner in spec.items()}}
        bridged.append(stage)
    return bridged


_ADDRESS: tuple[str, int] = ("127.0.0.1", 0)


async def serve(host: str, port: int) -> None:
    global _ADDRESS
    from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

    server = AsyncMongoEcoProxyServer(host=host, port=port)
    address = await server.start()
    _ADDRESS = (address.host, address.port)
    # The parent process waits for this line; directConnection keeps pymongo
    # on this one node instead of discovering the (pretend) replica set.
    print(f"ready mongodb://{address.host}:{address.port}/?directConnection=true", flush=True)
    try:
        # Serve until the parent closes our stdin (or dies).
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()
    install_bridges()
    asyncio.run(serve(options.host, options.port))


if __name__ == "__main__":
    main()
