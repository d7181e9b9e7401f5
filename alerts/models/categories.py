from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ProductCategoryQuerySet(models.QuerySet):
    def with_descendants(self):
        """These categories and every category below them, at any depth."""
        paths = list(self.values_list("path", flat=True))
        if not paths:
            return self.none()
        query = models.Q()
        for path in paths:
            query |= models.Q(path__startswith=path)
        return ProductCategory.objects.filter(query)

    def with_ancestors(self):
        """These categories and every category above them."""
        paths = set()
        for path in self.values_list("path", flat=True):
            for end in range(ProductCategory.STEP, len(path) + 1, ProductCategory.STEP):
                paths.add(path[:end])
        return ProductCategory.objects.filter(path__in=paths)


class ProductCategory(models.Model):
    """A node of the product-category tree that warnings, recalls and
    subscriptions refer to. A subscription to a parent covers its children.

    `path` is a materialised path of fixed-width steps, so that a category's
    descendants are found with one prefix query.
    """

    STEP = 4

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=64, unique=True, editable=False)
    sort_order = models.PositiveIntegerField(default=0)

    objects = ProductCategoryQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self):
        return f"{self.name_zh} / {self.name_en}"

    @property
    def depth(self):
        return len(self.path) // self.STEP

    @property
    def name(self):
        language = (get_language() or "zh-hans").lower()
        return self.name_en if language.startswith("en") else self.name_zh

    def save(self, *args, **kwargs):
        if not self.path:
            self.path = self._next_path()
        super().save(*args, **kwargs)

    def _next_path(self):
        prefix = self.parent.path if self.parent_id else ""
        siblings = ProductCategory.objects.filter(
            path__startswith=prefix, path__regex=rf"^.{{{len(prefix) + self.STEP}}}$"
        )
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        number = int(last[-self.STEP :], 36) + 1 if last else 1
        return prefix + path_step(number)


def path_step(number):
    """One fixed-width step of a category path: 1 -> '0001', 37 -> '0011'."""
    return _base36(number).rjust(ProductCategory.STEP, "0")


def _base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text or "0"
