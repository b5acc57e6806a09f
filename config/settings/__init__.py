"""Settings modules: ``base`` (production-safe defaults), ``local``, ``test``, ``production``."""
