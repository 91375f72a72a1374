"""Cluster mode: several Rasa and action servers behind nginx on shared PostgreSQL, Redis and RabbitMQ."""
