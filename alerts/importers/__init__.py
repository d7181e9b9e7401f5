"""Bulk imports of the registers, one module per source format.

Each recall format module has `read(path, problems)`, yielding
`(row number, record)` pairs (a record is a dict for `base.save_recall`, or a
`RowError` for a row that cannot be read) and appending to `problems` the
values it had to leave out.
"""

from . import fda, healthcanada, safetygate, template

RECALL_FORMATS = {
    "healthcanada": healthcanada,
    "safetygate": safetygate,
    "fda": fda,
    "csv": template,
}
