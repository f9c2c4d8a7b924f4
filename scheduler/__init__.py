"""Flexblock: schedule flex blocks, spaces and resources for personalized-learning schools."""

__version__ = "0.1.0"
