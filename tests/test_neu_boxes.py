"""NEU-DET Pascal-VOC defect boxes in load_neu_surface_defects (issue 29).

Counts are those of ../shared/data/neu_surface_defects/MANIFEST.md and its labels.csv.
"""

import numpy as np
import pytest

from mlpc_helpers import data


def _have():
    try:
        data.fetch("neu_surface_defects", progress=False)
        return True
    except data.DataError:
        return False


needs_neu = pytest.mark.skipif(not _have(), reason="NEU not cached, no mirror")


def test_manifest_lists_one_xml_per_image():
    paths = [f.path for f in data.manifest("neu_surface_defects").files]
    jpg = {p[len("images/"):-4] for p in paths if p.startswith("images/")}
    xml = {p[len("annotations/"):-4] for p in paths if p.startswith("annotations/")}
    assert len(jpg) == 1800 and jpg == xml
    entry = next(f for f in data.manifest("neu_surface_defects").files
                 if f.path == "annotations/crazing_1.xml")
    assert [u.split("/")[-2] for u in entry.urls] == ["ANNOTATIONS", "Validation_Annotations"]


@needs_neu
def test_boxes_parsed_from_voc_xml():
    b = data.load_neu_surface_defects()
    assert len(b.boxes) == len(b.images) == 1800
    assert sum(len(x) for x in b.boxes) == 4189  # MANIFEST.md
    assert b.boxes[0] == [(2, 2, 193, 194, "crazing")]  # annotations/crazing_1.xml
    i = b.filenames.index("patches_1.jpg")
    assert b.boxes[i][0] == (43, 10, 106, 97, "patches")
    coords = np.array([box[:4] for boxes in b.boxes for box in boxes])
    assert coords.min() >= 1 and coords[:, 2:].max() <= 200
    assert np.all(coords[:, 2] > coords[:, 0]) and np.all(coords[:, 3] > coords[:, 1])
    assert set(box[4] for boxes in b.boxes for box in boxes) <= set(data.NEU_CLASSES)
    assert b.frame.n_boxes.tolist() == [len(x) for x in b.boxes]
    assert all(len(x) >= 1 for x in b.boxes)


@needs_neu
def test_boxes_follow_the_class_subset():
    sub = data.load_neu_surface_defects(classes=["scratches"])
    assert len(sub.boxes) == 300
    assert sub.boxes[0] == data.load_neu_surface_defects().boxes[1500]
