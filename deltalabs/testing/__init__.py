"""Test support that ships with the code: the Mongo compile gate."""
