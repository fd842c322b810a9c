"""prodloop: the open-source product operations hub."""

__version__ = "0.1.0"
