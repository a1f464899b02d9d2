"""strapi-console: a terminal security console for Strapi servers. The core never imports Textual."""

__version__ = "0.1.0"
