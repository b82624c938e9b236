"""What the served OpenAPI schema says beyond the routes' types: this server's
languages, sources and limits, known only once its termbase is loaded."""

from __future__ import annotations

from fastapi import FastAPI
from glossa.api.services import Services


def document_server_values(app: FastAPI, services: Services, max_entries: int) -> None:
    """Once the index is loaded, the OpenAPI schema lists the valid ``lang`` and
    ``source`` values as enums, so /docs shows them and clients (and schemathesis)
    know them; before that the schema is the generic one and is not cached. The
    server's entries-per-request limit is written into the POST /entries body."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None and getattr(app.state, "openapi_complete", False):
            return app.openapi_schema
        app.openapi_schema = None
        schema = generate()
        entries = schema.get("components", {}).get("schemas", {}).get("EntriesIn", {})
        if "entries" in entries.get("properties", {}):
            entries["properties"]["entries"]["maxItems"] = max_entries
        service = services.default if services.names() else None
        held = service.termbase.held if service is not None and service.termbase else None
        if service is not None and not services.access().is_open(service.name):
            held = None  # a closed termbase's languages and sources are not for everyone
        searcher = held.searcher if held is not None else None
        if searcher is not None:
            valid = {"lang": searcher.languages, "source": searcher.sources}
            # the default termbase's values: the prefixed routes' vary by termbase
            for parameter in schema["paths"]["/search"]["get"]["parameters"]:
                if parameter["name"] in valid:
                    for option in parameter["schema"].get("anyOf", [parameter["schema"]]):
                        if option.get("type") == "array":
                            option["items"] = {"type": "string", "enum": valid[parameter["name"]]}
            _document_text_languages(schema, searcher.languages)
            app.state.openapi_complete = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_text_languages(schema: dict, languages: list[str]) -> None:
    """The languages a text may be in (the index's, and English, whose names
    every entry may carry) and the target languages (the index's: equivalents
    are entries), as enums of the bodies."""
    texts = sorted({*languages, "en"})
    bodies = schema.get("components", {}).get("schemas", {})
    for body, field, values in (("RecognizeIn", "lang", texts), ("RecognizeIn", "target", languages),
                                ("TranslationQaIn", "source_lang", texts),
                                ("TranslationQaIn", "target_lang", languages)):  # fmt: skip
        spec = bodies.get(body, {}).get("properties", {}).get(field)
        if spec is None:
            continue
        for option in spec.get("anyOf", [spec]):
            if option.get("type") == "array":
                option["items"] = {"type": "string", "enum": values}
            elif option.get("type") == "string":
                option["enum"] = values
