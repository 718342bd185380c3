"""The web application and HTTP API (``ancrage serve``): thin layers over the library."""
