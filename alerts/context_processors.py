from django.utils.translation import get_language


def language(request):
    """`english`: whether content should be shown in English."""
    return {"english": (get_language() or "").lower().startswith("en")}
