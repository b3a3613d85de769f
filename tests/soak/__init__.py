"""The soak harness (issue 12, "Hostile clients and hostile load"): reusable pieces that start the
real `imgpipe serve`, drive it with normal clients, slow and stalled attackers and faults
(`kill -9`, a full disk), and sample its resources. `bench/soak/soak.py` runs the full-length
scenarios (`make soak`); `tests/integration/test_soak.py` runs short versions in `make test`.

Only the Python standard library, Debian's Pillow and the tests' own SigV4 helper
(tests/integration/s3sig.py) are used; nothing from pip.
"""
