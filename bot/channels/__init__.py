"""Input channels: the website widget and the messaging platforms, as small fixes of Rasa 3.6's connectors."""
