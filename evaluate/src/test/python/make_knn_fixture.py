#!/usr/bin/env python3
"""Writes the k-NN fixture: sklearn's digits (8x8 images, 10 classes) reduced by PCA to 16 float32
features, split into train (first 1400) and test (the rest), and the expected weighted k-NN accuracy.

Expected values are computed here independently of vitssl:
- neighbours: sklearn NearestNeighbors(metric="cosine", algorithm="brute"), similarity = 1 - distance,
  then ordered by similarity desc and image_id asc;
- vote (DINO): weight exp(s / T), class score = sum of weights per class, prediction = best score
  (ties: smaller label); top-5 = label among the first min(5, k) voted classes;
- cross-check of top-1: sklearn KNeighborsClassifier(weights=exp(s/T)).

Run: /usr/bin/python3 evaluate/src/test/python/make_knn_fixture.py
Writes evaluate/src/test/resources/fixtures/knn/{train.csv,test.csv,expected.json}.
"""
import json
import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

T = 0.07
KS = [1, 5, 10, 20]
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "knn")


def main():
    x, y = load_digits(return_X_y=True)
    n_train = 1400
    pca = PCA(n_components=16, random_state=0).fit(x[:n_train])
    f = pca.transform(x).astype(np.float32)
    ids = np.array([f"digit-{i:04d}" for i in range(len(y))])
    tr, te = slice(0, n_train), slice(n_train, None)
    os.makedirs(OUT, exist_ok=True)
    for name, sl in (("train", tr), ("test", te)):
        with open(os.path.join(OUT, name + ".csv"), "w") as fh:
            fh.write("image_id,label," + ",".join(f"f{j}" for j in range(f.shape[1])) + "\n")
            for i in range(len(y))[sl]:
                fh.write(ids[i] + "," + str(int(y[i])) + "," + ",".join(repr(float(v)) for v in f[i]) + "\n")

    ftr, fte, ytr, yte, idtr = f[tr].astype(np.float64), f[te].astype(np.float64), y[tr], y[te], ids[tr]
    kmax = max(KS)
    # all train rows as candidates, so that the id tie-break can be applied to the exact order
    nn = NearestNeighbors(n_neighbors=len(ytr), metric="cosine", algorithm="brute").fit(ftr)
    dist, idx = nn.kneighbors(fte)
    sims = 1.0 - dist
    result = {"temperature": T, "n_train": int(len(ytr)), "n_test": int(len(yte)), "ks": KS,
              "top1": [], "top5": [], "sklearn_top1": []}
    order = []
    for q in range(len(yte)):
        o = np.lexsort((idtr[idx[q]], -sims[q]))[:kmax]   # similarity desc, then image_id asc
        order.append((sims[q][o], ytr[idx[q][o]]))
    for k in KS:
        c1 = c5 = 0
        for q in range(len(yte)):
            s, lab = order[q][0][:k], order[q][1][:k]
            w = np.exp(s / T)
            classes = np.unique(lab)
            scores = np.array([w[lab == c].sum() for c in classes])
            ranked = classes[np.lexsort((classes, -scores))]
            c1 += int(ranked[0] == yte[q])
            c5 += int(yte[q] in ranked[:min(5, k)])
        result["top1"].append(100.0 * c1 / len(yte))
        result["top5"].append(100.0 * c5 / len(yte))
        clf = KNeighborsClassifier(n_neighbors=k, metric="cosine", algorithm="brute",
                                   weights=lambda d: np.exp((1.0 - d) / T)).fit(ftr, ytr)
        result["sklearn_top1"].append(100.0 * float((clf.predict(fte) == yte).mean()))
    with open(os.path.join(OUT, "expected.json"), "w") as fh:
        json.dump(result, fh, indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
