"""The Textual UI of strapi-console. It calls the core (strapi_console); the core never calls it."""
