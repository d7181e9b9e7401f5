"""The product-category tree Herald ships with, kept in `data/categories.json`."""

import json
from pathlib import Path

from .models.categories import path_step

CATEGORIES_FILE = Path(__file__).parent / "data" / "categories.json"


def load_category_tree(model):
    """Create any category of the shipped tree that is missing. `model` is
    ProductCategory, or its historical version inside a migration."""
    tree = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    created = 0

    def walk(nodes, parent, prefix):
        nonlocal created
        for number, node in enumerate(nodes, start=1):
            path = prefix + path_step(number)
            category, was_created = model.objects.get_or_create(
                code=node["code"],
                defaults={
                    "name_zh": node["zh"],
                    "name_en": node["en"],
                    "parent": parent,
                    "path": path,
                    "sort_order": number,
                },
            )
            created += was_created
            walk(node.get("children", []), category, category.path)

    walk(tree, None, "")
    return created
