"""The core both sides share: guidance store, sentence encoder, time parsing and settings.

Nothing here imports ``nlu``, ``actions``, ``channels`` or ``stores``; they all import this.
"""
