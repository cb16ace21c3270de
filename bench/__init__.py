"""`make bench`: the assistant measured against the baselines a user would pick instead, in one run.

Stages live in small modules (``nlu_cv``, ``answers``, ``speed``, ``breakdown``, ``training``, ``stack``); ``run``
orchestrates them and ``report`` / ``plots`` turn the figures into Markdown and PNGs.
"""
