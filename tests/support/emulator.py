"""Why some tests are skipped on the mongoeco emulator (``make test-mongo`` only).

Every such test carries ``@pytest.mark.emulator_cannot_judge(<one of these>)``;
on SQLite and on a real MongoDB replica set it runs.
"""

THREAD_RACE = (
    "per-document write conflicts: mongoeco fails a commit when anything at all was written meanwhile, "
    "without code 112 or the TransientTransactionError label, so racing threads cannot be judged"
)
LARGE_DATA = "very large data: mongoeco hangs on tens of thousands of documents"
