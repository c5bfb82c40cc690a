#!/usr/bin/python3
"""The LIF network of SCIENCE.md section 2 in PyTorch with autograd: the same model (soft
output, hard reset with z held constant), the same frd loss, B windows as a batch, one
thread. Prints one markdown row per (N, B): ms per window for forward, backward and the
whole window-iteration, to sit beside bench_sim's table.

  /usr/bin/python3 bench/torch_lif.py --n 12 200 1000 --B 1 16 64 --T 400 [--threads 1]

--seed_style W: additionally time the seed's way of training (a whole iteration of W windows,
unbatched, per-window sequential): per window a Python loop over the steps on 1-D tensors of
the N neurons, the Poisson input drawn per step inside the loop, the outputs appended to a
Python list and stacked for the loss, one backward pass per window, the gradients summed over
the windows, then one Adam step. Prints one row per N: ms per iteration and per window.
"""
import argparse
import resource
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


def seed_iteration(p, opt, nwin, T, s, theta=30.0, gain=0.9, dt=1.0):
    """The seed's training iteration: windows one after another, per-step loop, 1-D tensors."""
    n = p["E_L"].shape[0]
    opt.zero_grad()
    total = 0.0
    for w in range(nwin):
        mean = p["r_p"] * dt / 1000.0
        v = p["E_L"]
        g = torch.zeros(n, dtype=p["W"].dtype)
        ys = []
        for t in range(T):
            x = torch.poisson(mean.detach().expand(n))
            xt = mean + (x - mean.detach())
            I = torch.matmul(g, p["W"]) + gain * xt
            u = v + (p["E_L"] - v + p["R_I"] * I) / p["tau_m"]
            z = (u >= theta).to(u.dtype).detach()
            v = z * p["E_L"] + (1 - z) * u
            g = z + (1 - z) * g * (1.0 - 1.0 / p["tau_g"])
            ys.append(torch.sigmoid(u - theta))
        y = torch.stack(ys)
        a = y.sum(0) - s[:, w % s.shape[1]].sum(0)
        loss = (torch.sqrt(a * a + 1e-12) / (T * dt / 1000.0)).sum()
        loss.backward()
        total += loss.item()
    opt.step()
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[12, 200, 1000])
    ap.add_argument("--B", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--T", type=int, default=400)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min_time", type=float, default=0.5)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--single", action="store_true")
    ap.add_argument("--seed_style", type=int, default=0, help="windows per iteration of the seed-style mode (0: off)")
    ap.add_argument("--seed_n", type=int, nargs="+", default=[12])
    ap.add_argument("--repeats", type=int, default=1, help="report the minimum over this many timings")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dtype = torch.float32 if a.single else torch.float64
    print(f"<!-- PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), {dtype} -->")
    if a.seed_style > 0:
        print(f"| N | seed-style (per-step loop, per-window backward, Adam): windows | ms per iteration | ms per window |")
        print("|---|---|---|---|")
        for n in a.seed_n:
            p = make_params(n, a.rate, dtype)
            opt = torch.optim.Adam(p.values(), lr=1e-3)
            torch.manual_seed(3)
            s = (torch.rand((a.T, a.seed_style, n), dtype=dtype) < 0.005).to(dtype)
            seed_iteration(p, opt, 1, a.T, s)  # warm-up
            best = float("inf")
            for _ in range(max(1, a.repeats)):
                t0 = time.perf_counter()
                seed_iteration(p, opt, a.seed_style, a.T, s)
                best = min(best, time.perf_counter() - t0)
            print(f"| {n} | {a.seed_style} | {1e3 * best:.1f} | {1e3 * best / a.seed_style:.2f} |", flush=True)
        print()
        if not a.n or a.n == [0]:
            return
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
            best = (float("inf"), 0.0, 0.0)  # the fastest repetition: (iteration, forward, backward)
            loss = window_iteration(p, x, s)  # warm-up
            loss.backward()
            while tf + tb < a.min_time or reps < a.repeats:
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
                best = min(best, (t2 - t0, t1 - t0, t2 - t1))
            k = 1e3 / B  # minimum over the repetitions (the machine is shared)
            print(f"| {n} | {B} | {best[1] * k:.3f} | {best[2] * k:.3f} | {best[0] * k:.3f} |", flush=True)
    print(f"<!-- peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB -->")


if __name__ == "__main__":
    main()
