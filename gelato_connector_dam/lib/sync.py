"""What a DAM listing means for the assets already imported: pure planning, no I/O."""

from . import const


def listing_since(cursor):
    """Where an incremental listing starts: the last high-water mark minus the overlap."""
    return cursor - const.SYNC_OVERLAP if cursor else None


def plan(items, known):
    """Split a listing into what needs work.

    :param list items: normalised listing items (``id``, ``name``, ``modified``, ``fingerprint``).
    :param dict known: ``{external id: (name, modified, fingerprint, state)}`` of the assets
        already imported for these ids.
    :return: ``(to_download, to_rename, unchanged)``: new, re-tagged or replaced files; only
        metadata changed (no download); nothing to do. Oldest change first, duplicates (the
        overlap window) dropped.
    """
    seen = set()
    to_download, to_rename, unchanged = [], [], []
    for item in sorted(items, key=lambda i: (i["modified"], i["id"])):
        if item["id"] in seen:
            continue
        seen.add(item["id"])
        current = known.get(item["id"])
        if current is None:
            to_download.append(item)
            continue
        name, modified, fingerprint, state = current
        if state == "archived" or fingerprint != item["fingerprint"]:
            to_download.append(item)
        elif name != item["name"] or modified != item["modified"]:
            to_rename.append(item)
        else:
            unchanged.append(item)
    return to_download, to_rename, unchanged


def batches(items, size=const.SYNC_BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]
