#!/usr/bin/env python3
"""The paper cost model of one optimiser step of `spikefit fit` on P ranks (docs/PERFORMANCE.md).

Every number here is an assumption stated below or a measurement quoted from bench/RESULTS.md;
nothing is measured by this script. usage: bench/cost_model.py [--markdown]
"""
import math

T = 400          # steps per window
B = 16           # windows per batch (-sim_batch)
LIMBS = 4        # int64 limbs per exactly summed value (include/fixedsum.h)
ALPHA = 1.5e-6   # s, one message's latency (InfiniBand EDR, MPI small-message latency)
BW = 12.5e9      # bytes/s per link (100 Gb/s)
OPT_NS = 9.2e-9  # s per parameter and step, measured at N = 1000 (1e6 parameters, -log_view):
                 # OptimStep (Adam, projection) 7.3 ns, adding a window's gradient into the
                 # limbs and converting them back 1.9 ns (FitWindows minus SimForward/Backward)
GFLOPS_NOW = 30e9   # measured batched rate at N >= 200, B = 16 (bench/RESULTS.md, third round)
T_WIN_100 = 1.05e-3  # s per window-iteration at N = 100, B = 16, measured (issue 15)


def params(n):
    """W (N x N) plus the per-neuron blocks (E_L, tau_m, tau_g, R_I) and the input rate."""
    return n * n + 4 * n + 1


def window_seconds(n):
    """Forward + backward of one window: 6 N^2 T flops in the three products."""
    if n <= 100:
        return T_WIN_100 * (n / 100) ** 2  # the small products run below the DGEMM rate
    return 6.0 * n * n * T / GFLOPS_NOW


def allreduce_seconds(nbytes, p):
    """Open MPI picks the cheaper of recursive doubling (latency) and ring (bandwidth)."""
    if p == 1:
        return 0.0
    doubling = math.ceil(math.log2(p)) * (ALPHA + nbytes / BW)
    ring = 2 * (p - 1) * ALPHA + 2 * (p - 1) / p * nbytes / BW
    return min(doubling, ring)


def reduce_scatter_allgather_seconds(n_par, p):
    """Sharded optimiser: reduce-scatter the limbs, update 1/P of the parameters, allgather doubles."""
    if p == 1:
        return 0.0
    hops = min(p - 1, math.ceil(math.log2(p)))  # recursive halving/doubling for short messages
    rs = hops * ALPHA + (p - 1) / p * LIMBS * 8 * n_par / BW
    ag = hops * ALPHA + (p - 1) / p * 8 * n_par / BW
    return rs + ag


def step(n, p, windows_per_rank):
    n_par = params(n)
    compute = windows_per_rank * window_seconds(n)
    reduce = allreduce_seconds(LIMBS * 8 * n_par, p)
    optimise = OPT_NS * n_par
    sharded = reduce_scatter_allgather_seconds(n_par, p) + OPT_NS * n_par / p
    mem_acc = LIMBS * 8 * n_par  # one accumulator per thread, today
    return compute, reduce, optimise, sharded, mem_acc


def fmt(s):
    if s < 1e-3:
        return "%.0f us" % (s * 1e6)
    if s < 1:
        return "%.1f ms" % (s * 1e3)
    return "%.2f s" % s


def size(b):
    return "%.1f MB" % (b / 1e6) if b < 1e9 else "%.1f GB" % (b / 1e9)


def main():
    print("| N | P | window | allreduce (limbs) | optimiser | efficiency, 1 window per rank | %d windows per rank | sharded, 1 window per rank | limbs per thread |" % B)
    print("|---|---|---|---|---|---|---|---|---|")
    for n in (100, 1000, 10000):
        for p in (8, 64, 512):
            c, r, o, s, m = step(n, p, 1)
            eff1 = c / (c + r + o)
            effb = B * c / (B * c + r + o)
            eff_s = c / (c + s)
            print("| %d | %d | %s | %s | %s | %.2f | %.2f | %.2f | %s |" % (
                n, p, fmt(c), fmt(r), fmt(o), eff1, effb, eff_s, size(m)))


if __name__ == "__main__":
    main()
