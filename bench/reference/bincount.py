"""NumPy's weighted bincount of the support codes (+1) by voting power: the reference for daogym's vote tally.
Reads DIR/support.bin (int8) and DIR/weight.bin (float64), runs ROUNDS bincounts three times, prints the best
rate (member-votes/s) and the For sum as JSON. Usage: python3 bincount.py DIR ROUNDS"""
import json, sys, time
import numpy as np

directory, rounds = sys.argv[1], int(sys.argv[2])
codes = np.fromfile(directory + "/support.bin", dtype=np.int8).astype(np.intp) + 1
weights = np.fromfile(directory + "/weight.bin", dtype=np.float64)
for _ in range(5):
    sums = np.bincount(codes, weights=weights, minlength=4)
best = 0.0
for _ in range(3):
    start = time.perf_counter()
    for _ in range(rounds):
        sums = np.bincount(codes, weights=weights, minlength=4)
    best = max(best, len(weights) * rounds / (time.perf_counter() - start))
print(json.dumps({"rate": best, "forVotes": float(sums[2]), "version": np.__version__}))
