#!/usr/bin/python3
"""The LIF network of SCIENCE.md section 2 in PyTorch with autograd: the same model (soft
output, hard reset with z held constant), the same frd loss, B windows as a batch, one
thread. Prints one markdown row per (N, B): ms per window for forward, backward and the
whole window-iteration, to sit beside bench_sim's table.

  /usr/bin/python3 bench/torch_lif.py --n 12 200 1000 --B 1 16 64 --T 400 [--threads 1]
"""
import argparse
import time

import torch


def make_params(n, rate, dtype):
    g = torch.Generator().manual_seed(1)
    u = lambda lo, hi, shape: lo + (hi - lo) * torch.rand(shape, generator=g, dtype=dtype)
    exc = torch.arange(n) < (4 * n) // 5
    W = u(0.1, 0.5, (n, n)) * torch.where(exc, 1.0, -1.0).to(dtype)[:, None] * min(1.0, 12.0 / n)
    W.fill_diagonal_(0)
    p = dict(E_L=u(-55, -45, n), tau_m=u(1.3, 2.3, n), tau_g=u(2.0, 3.5, n), R_I=u(135, 140, n), W=W,
             r_p=torch.tensor(rate, dtype=dtype))
    return {k: v.requires_grad_() for k, v in p.items()}


def window_iteration(p, x, s, theta=30.0, gain=0.9, dt=1.0):
    """x, s: [T][B][n]. Returns the frd loss summed over the batch (autograd graph kept)."""
    T, B, n = x.shape
    mean = p["r_p"] * dt / 1000.0
    v = p["E_L"].expand(B, n)
    g = torch.zeros(B, n, dtype=x.dtype)
    ysum = torch.zeros(B, n, dtype=x.dtype)
    decay = 1.0 - 1.0 / p["tau_g"]
    for t in range(T):
        xt = mean + (x[t] - mean.detach())  # pathwise r_p gradient, value = the drawn count
        I = g @ p["W"] + gain * xt
        u = v + (p["E_L"] - v + p["R_I"] * I) / p["tau_m"]
        z = (u >= theta).to(x.dtype).detach()
        v = z * p["E_L"] + (1 - z) * u
        g = z + (1 - z) * g * decay
        ysum = ysum + torch.sigmoid(u - theta)
    a = ysum - s.sum(0)
    seconds = T * dt / 1000.0
    return (torch.sqrt(a * a + 1e-12) / seconds).sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[12, 200, 1000])
    ap.add_argument("--B", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--T", type=int, default=400)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min_time", type=float, default=0.5)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--single", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dtype = torch.float32 if a.single else torch.float64
    print(f"<!-- PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), {dtype} -->")
    print("| N | B | torch forward ms/window | torch backward ms/window | torch iteration ms/window |")
    print("|---|---|---|---|---|")
    for n in a.n:
        for B in a.B:
            p = make_params(n, a.rate, dtype)
            gen = torch.Generator().manual_seed(2)
            x = torch.poisson(torch.full((a.T, B, n), a.rate / 1000.0, dtype=dtype), generator=gen)
            s = (torch.rand((a.T, B, n), generator=gen, dtype=dtype) < 0.005).to(dtype)
            tf = tb = 0.0
            reps = 0
            loss = window_iteration(p, x, s)  # warm-up
            loss.backward()
            while tf + tb < a.min_time or reps == 0:
                for v in p.values():
                    v.grad = None
                t0 = time.perf_counter()
                loss = window_iteration(p, x, s)
                t1 = time.perf_counter()
                loss.backward()
                t2 = time.perf_counter()
                tf += t1 - t0
                tb += t2 - t1
                reps += 1
            k = 1e3 / reps / B
            print(f"| {n} | {B} | {tf * k:.3f} | {tb * k:.3f} | {(tf + tb) * k:.3f} |", flush=True)


if __name__ == "__main__":
    main()
