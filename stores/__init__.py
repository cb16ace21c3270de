"""Rasa's SQL tracker store and Redis lock store, hardened for restarts and several servers.

Selected in endpoints.yml by module path; see each module for what it changes and why.
"""
