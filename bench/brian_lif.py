#!/usr/bin/python3
"""Forward simulation of the same LIF network (SCIENCE.md section 2, discrete steps of dt = 1
ms, Poisson input, soft output) in Brian2, for comparison with bench_sim's forward pass.
Brian2 has no gradient: this is the forward simulation only. The network is built once, run
once to compile (cython) / warm up, then timed over --windows windows of --T steps (the
same simulated time as that many windows). Prints one markdown row per N: ms per 400-step
window (minimum over --repeats runs).

  /usr/bin/python3 bench/brian_lif.py --n 12 1000 --windows 10 --target cython
"""
import argparse
import time

import numpy as np


def build(b2, n, rate, theta=30.0, gain=0.9):
    rng = np.random.default_rng(1)
    exc = np.arange(n) < (4 * n) // 5
    W = rng.uniform(0.1, 0.5, (n, n)) * np.where(exc, 1.0, -1.0)[:, None] * min(1.0, 12.0 / n)
    np.fill_diagonal(W, 0.0)
    eqs = """
    v : 1
    g : 1
    I_syn : 1
    ysum : 1
    E_L : 1 (constant)
    tau_m : 1 (constant)
    tau_g : 1 (constant)
    R_I : 1 (constant)
    """
    G = b2.NeuronGroup(n, eqs, namespace=dict(mean=rate / 1000.0, gain=gain, theta=theta))
    G.E_L = rng.uniform(-55, -45, n)
    G.tau_m = rng.uniform(1.3, 2.3, n)
    G.tau_g = rng.uniform(2.0, 3.5, n)
    G.R_I = rng.uniform(135, 140, n)
    G.v = "E_L"
    # one step of the discrete model (the same update as src/model_lif.c): u, hard reset, g
    G.run_regularly("""
    u = v + (E_L - v + R_I * (I_syn + gain * poisson(mean))) / tau_m
    z = int(u >= theta)
    v = z * E_L + (1 - z) * u
    g = z + (1 - z) * g * (1 - 1 / tau_g)
    ysum += 1 / (1 + exp(-(u - theta)))
    """, when="groups")
    S = b2.Synapses(G, G, "w : 1\nI_syn_post = w * g_pre : 1 (summed)")
    i, j = np.nonzero(W)
    S.connect(i=i, j=j)
    S.w = W[i, j]
    return b2.Network(G, S)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[12, 1000])
    ap.add_argument("--windows", type=int, nargs="+", default=[10], help="windows per run, one value or one per N")
    ap.add_argument("--T", type=int, default=400)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--target", default="cython", choices=["cython", "numpy"])
    a = ap.parse_args()
    import brian2 as b2

    b2.prefs.codegen.target = a.target
    b2.defaultclock.dt = 1 * b2.ms
    b2.BrianLogger.suppress_hierarchy("brian2")
    print(f"<!-- Brian2 {b2.__version__}, codegen target {a.target}, dt 1 ms, forward only -->")
    print("| N | simulated windows | Brian2 forward ms/window (400 ms) |")
    print("|---|---|---|")
    for k, n in enumerate(a.n):
        nw = a.windows[k] if k < len(a.windows) else a.windows[-1]
        net = build(b2, n, a.rate)
        net.run(10 * b2.ms)  # compile / warm up
        best = float("inf")
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            net.run(nw * a.T * b2.ms)
            best = min(best, time.perf_counter() - t0)
        print(f"| {n} | {nw} | {1e3 * best / nw:.3f} |", flush=True)


if __name__ == "__main__":
    main()
