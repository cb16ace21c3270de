"""Custom actions for the back-care assistant, served by the rasa-sdk action server."""
