"""Reads the shipped exam catalogue (``bot/data/exams/*.yaml``) once per process."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from bot.domain.catalogue import Catalogue, CatalogueError, parse_catalogue

_PACKAGE = "bot.data"
_FOLDER = "exams"


def read_exam_documents() -> tuple[list[str], list[dict]]:
    """The file names and parsed contents of every shipped exam file, in name order.

    A file that is not valid YAML is reported as a ``CatalogueError`` naming the file, like any
    other problem in the data.
    """
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    names: list[str] = []
    documents: list[dict] = []
    errors: list[str] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.is_file() or not entry.name.endswith(".yaml"):
            continue
        try:
            content = yaml.safe_load(entry.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            errors.append(f"{entry.name}: not valid YAML: {exc}")
            continue
        names.append(entry.name)
        documents.append(content if content is not None else {})
    if errors:
        raise CatalogueError(errors)
    return names, documents


@cache
def load_catalogue() -> Catalogue:
    """The validated shipped catalogue; raises ``CatalogueError`` listing every problem."""
    names, documents = read_exam_documents()
    return parse_catalogue(documents, names=names)
