"""Coverage thresholds come from each collection's own off-topic baseline."""

import numpy as np

from ragworks.embed.cache import VectorCache
from ragworks.embed.fake import HashEmbedder
from ragworks.models import Chunk, Hit, Scope
from ragworks.route.coverage import CoverageCalibrator, offtopic_questions


class FakeIndex:
    def __init__(self, best: dict[str | None, float]) -> None:
        self.best, self.searches, self.chunks = best, 0, 100

    def search(self, query, vector, scope, n, timings=None):  # type: ignore[no-untyped-def]
        self.searches += 1
        c = Chunk(id="c", doc_id="d", tenant=scope.tenant, collection="x", source="s",
                  title="", section="", text="t", start=0, end=1, ordinal=0)
        # spread the off-topic scores around the collection's level
        return [Hit(chunk=c, dense=self.best[scope.collection] + 0.05 * np.sin(len(query)))]

    def count(self, tenant=None):  # type: ignore[no-untyped-def]
        return self.chunks


def test_each_collection_gets_its_own_threshold_and_it_is_cached() -> None:
    index = FakeIndex({"short": 0.15, "long": 0.35})
    cal = CoverageCalibrator(index, VectorCache(HashEmbedder()), margin=0.08)  # type: ignore[arg-type]
    short = cal.threshold(Scope(tenant="t", collection="short"))
    long = cal.threshold(Scope(tenant="t", collection="long"))
    assert 0.25 <= short < long <= 0.5
    searches = index.searches
    assert cal.threshold(Scope(tenant="t", collection="short")) == short
    assert index.searches == searches  # cached
    assert len(offtopic_questions()) == 60


def test_the_floor_holds() -> None:
    cal = CoverageCalibrator(FakeIndex({None: 0.0}), VectorCache(HashEmbedder()))  # type: ignore[arg-type]
    assert cal.threshold(Scope(tenant="t"), floor=0.3) == 0.3
