"""Configuration, database access and logging shared by every service."""
