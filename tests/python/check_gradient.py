#!/usr/bin/python3
"""Independent re-computation of spikefit's saved gradient (/gradient_check of RUN.h5).

Usage: /usr/bin/python3 tests/python/check_gradient.py RUN.h5 [TOL] [--fd] [--quiet]

Written from the equations of SCIENCE.md (section 2: the LIF network; section 4: the
losses) and the /gradient_check contract of DESIGN.md / docs/FORMAT.md only.

From the saved params and input it re-simulates every window, compares the model output
and the loss with the saved ones, and computes dLoss/dblock in two independent ways:
  * adjoint: a hand-written reverse-mode (BPTT) pass, z treated as a constant;
  * complex step: d/dp Im(L(p + i h))/h, h = 1e-30, with the hard spike pattern z held at
    its value at the base point (the "z is a constant" graph, which is analytic in the
    parameters: every |a| is sqrt(a^2 + 1e-12)), accurate to rounding;
  * optionally (--fd) central finite differences of the same z-fixed forward (reported,
    never gating: their truncation error is ~1e-8 relative).
The r_p derivative is pathwise: perturbing r_p by h shifts every x by h*dt/1000.

Models: lif (SCIENCE.md section 2; adjoint and complex step) and adex (docs/MODELS.md
"adex", the equations at the top of src/model_adex.c; complex step only: its blocks are
read from the file).

Every block of /gradient_check/grad is compared with both; the relative error of an entry
is |a-b| / max(|a|, |b|, 1e-8 * max|grad of the block|). Exit 0 when every block's max
relative error is below TOL (default 1e-6) and the output/loss agree, else 1 with the
offending entries printed. Exit 2 on usage / file errors.
"""
import sys

try:
    import numpy as np
    import h5py
except ImportError as e:  # pragma: no cover
    sys.stderr.write("check_gradient.py needs numpy and h5py (Debian: python3-numpy "
                     "python3-h5py): %s\n" % e)
    sys.exit(2)

BLOCKS = ["E_L", "tau_m", "tau_g", "R_I", "W", "r_p"]
MODEL_BLOCKS = {"lif": BLOCKS,
                "adex": ["E_L", "tau_m", "tau_g", "R_I", "Delta_T", "V_T", "a", "b", "tau_w", "W", "r_p"]}
ADEX_EXP_CAP = 20.0
EPS_ABS = 1e-12  # |a| = sqrt(a^2 + 1e-12)


def sabs(a):
    return np.sqrt(a * a + EPS_ABS)


class Problem:
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            if "gradient_check" not in f:
                raise KeyError("%s has no /gradient_check (run fit with -fit_save_gradient)" % path)
            g = f["gradient_check"]
            model = g.attrs.get("model", b"lif")
            model = model.decode() if isinstance(model, bytes) else str(model)
            if model not in MODEL_BLOCKS:
                raise ValueError("model %r: this checker implements %s" % (model, ", ".join(MODEL_BLOCKS)))
            self.blocks = MODEL_BLOCKS[model]
            self.params = {b: np.array(g["params/" + b][()], dtype=np.float64) for b in self.blocks}
            self.grad = {b: np.array(g["grad/" + b][()], dtype=np.float64) for b in self.blocks}
            self.x = np.array(g["input"][()], dtype=np.float64)     # [K][T][N]
            self.s = np.array(g["target"][()], dtype=np.float64)    # [K][T][N]
            self.y_saved = np.array(g["output"][()], dtype=np.float64)
            self.loss_saved = float(np.ravel(g["loss"][()])[0])
            a = g.attrs

            def attr(name, default=None):
                if name not in a:
                    if default is None:
                        raise KeyError("/gradient_check has no attribute %s" % name)
                    return default
                v = a[name]
                if isinstance(v, bytes):
                    return v.decode()
                if isinstance(v, np.ndarray):
                    v = v.ravel()[0]
                    if isinstance(v, bytes):
                        return v.decode()
                return v

            self.loss_name = str(attr("loss_name"))
            self.vr_tau = float(attr("vr_tau"))
            self.theta = float(attr("theta"))
            self.gain = float(attr("input_gain"))
            self.dt = float(attr("dt"))
            self.model = str(attr("model"))
            self.reset_offset = float(attr("adex_reset_offset", 0.0)) if self.model == "adex" else 0.0
            self.progress = float(attr("progress", 0.0))
            tw = attr("loss_weights", "")
            tw = tw.decode() if isinstance(tw, bytes) else str(tw)
            self.term_weights = {k: float(v) for k, v in (item.split(":") for item in tw.split(",") if item)}
            self.hard = int(attr("hard_output", 0)) != 0
            self.forced = int(attr("teacher_forcing", 0)) != 0
        self.K, self.T, self.N = self.x.shape
        self.ftype = np.float64
        if self.loss_name not in ("frd", "vrd", "mix", "adaptive", "bnll", "pnll", "weighted"):
            raise ValueError("loss %r: this checker implements frd, vrd, mix, adaptive, bnll, pnll, weighted" % self.loss_name)
        # hidden neurons: the target holds the first Nr (recorded) of the N neurons
        self.Nr = self.s.shape[2] if self.s.ndim == 3 else self.N
        for name, arr in (("target", self.s), ("output", self.y_saved)):
            want = self.x.shape if name == "output" else (self.K, self.T, self.Nr)
            if arr.shape != want or self.Nr > self.N:
                raise ValueError("/gradient_check/%s has shape %s, input %s" % (name, arr.shape, self.x.shape))
        N = self.N
        for b in self.blocks:
            want = (N, N) if b == "W" else ((1,) if b == "r_p" else (N,))
            for kind, d in (("params", self.params), ("grad", self.grad)):
                if d[b].shape != want and not (b == "r_p" and d[b].size == 1):
                    raise ValueError("/gradient_check/%s/%s has shape %s, expected %s" % (kind, b, d[b].shape, want))
            self.params[b] = self.params[b].reshape(want)
            self.grad[b] = self.grad[b].reshape(want)

    # ----- loss weights of section 4 -----
    def passes(self):
        """The simulations of the loss: (part, forced). Teacher forcing scores the likelihood
        terms on a run whose recorded neurons spike as recorded, the rest on a free run."""
        if not self.forced:
            return [("all", False)]
        out = [("lik", True)]
        if any(w != 0.0 for w in self.weights("rest")):
            out.append(("rest", False))
        return out

    def weights(self, part="all"):
        """(w_frd, w_vrd) of the loss (the likelihood terms are in lweights)."""
        if part == "lik":
            return 0.0, 0.0
        if self.loss_name == "frd":
            return 1.0, 0.0
        if self.loss_name == "vrd":
            return 0.0, 1.0
        if self.loss_name == "mix":
            return 0.9, 0.1
        if self.loss_name in ("bnll", "pnll"):
            return 0.0, 0.0
        if self.loss_name == "weighted":
            return self.term_weights.get("frd", 0.0), self.term_weights.get("vrd", 0.0)
        T = self.progress
        return 1.0 - 0.9 * T, 0.1 + 0.9 * T

    def lweights(self, part="all"):
        """(w_bnll, w_pnll): Bernoulli / Poisson NLL of the targets with p = e + (1-2e) y,
        lambda = y + e, e = 1e-9 (docs/LOSSES.md)."""
        if part == "rest":
            return 0.0, 0.0
        if self.loss_name == "bnll":
            return 1.0, 0.0
        if self.loss_name == "pnll":
            return 0.0, 1.0
        if self.loss_name == "weighted":
            return self.term_weights.get("bnll", 0.0), self.term_weights.get("pnll", 0.0)
        return 0.0, 0.0

    # ----- forward -----
    def forward(self, p, z_fixed=None, dx=0.0, tape=False, forced=False):
        """Simulate all K windows at once. p: dict of blocks (real or complex).
        z_fixed: [K][T][N] hard spikes to use instead of u >= theta.
        dx: shift added to every input count (pathwise r_p perturbation).
        Returns y [K][T][N], z, and (if tape) the tape (u, I, v_prev, g_prev)."""
        if self.model == "adex":
            return self.forward_adex(p, z_fixed, dx, tape, forced)
        K, T, N = self.K, self.T, self.N
        EL, tm, tg, R, W = p["E_L"], p["tau_m"], p["tau_g"], p["R_I"], p["W"]
        cplx = any(np.iscomplexobj(p[b]) for b in self.blocks) or np.iscomplexobj(dx)
        dtype = np.complex128 if cplx else self.ftype
        v = np.broadcast_to(EL, (K, N)).astype(dtype)
        g = np.zeros((K, N), dtype=dtype)
        y = np.empty((K, T, N), dtype=dtype)
        z = np.empty((K, T, N), dtype=self.ftype)
        if tape:
            ft = self.ftype
            tu = np.empty((K, T, N), ft); tI = np.empty((K, T, N), ft)
            tv = np.empty((K, T, N), ft); tg_ = np.empty((K, T, N), ft)
        decay = 1.0 - 1.0 / tg
        for t in range(T):
            I = g @ W + self.gain * (self.x[:, t, :] + dx)     # I[j] = sum_i g[i] W[i][j]
            u = v + (EL - v + R * I) / tm
            if z_fixed is None:
                zt = (u.real >= self.theta).astype(self.ftype)
                if forced:  # the recorded neurons spike where the recording does
                    zt[:, :self.Nr] = self.s[:, t, :]
            else:
                zt = z_fixed[:, t, :]
            sig = 1.0 / (1.0 + np.exp(-(u - self.theta)))
            y[:, t, :] = zt if self.hard else sig
            z[:, t, :] = zt
            if tape:
                tu[:, t, :] = u.real; tI[:, t, :] = I.real
                tv[:, t, :] = v.real; tg_[:, t, :] = g.real
            v = np.where(zt > 0, EL, u)
            g = np.where(zt > 0, 1.0, g * decay)
        if tape:
            return y, z, (tu, tI, tv, tg_)
        return y, z

    def forward_adex(self, p, z_fixed=None, dx=0.0, tape=False, forced=False):
        """AdEx in the LIF family's discrete time: state v, w, g; the tape is (u,)."""
        K, T, N = self.K, self.T, self.N
        EL, tm, tg, R, W = p["E_L"], p["tau_m"], p["tau_g"], p["R_I"], p["W"]
        DT, VT, a, b, tw = p["Delta_T"], p["V_T"], p["a"], p["b"], p["tau_w"]
        cplx = any(np.iscomplexobj(p[k]) for k in self.blocks) or np.iscomplexobj(dx)
        dtype = np.complex128 if cplx else self.ftype
        v = np.broadcast_to(EL, (K, N)).astype(dtype)
        w = np.zeros((K, N), dtype=dtype)
        g = np.zeros((K, N), dtype=dtype)
        y = np.empty((K, T, N), dtype=dtype)
        z = np.empty((K, T, N), dtype=self.ftype)
        tu = np.empty((K, T, N), self.ftype)
        for t in range(T):
            I = g @ W + self.gain * (self.x[:, t, :] + dx)
            arg = (v - VT) / DT
            e = DT * np.exp(np.where(arg.real > ADEX_EXP_CAP, ADEX_EXP_CAP, arg))
            u = v + (EL - v + e - w + R * I) / tm
            cut = VT + 2.0 * DT                     # the spike is cut 2 Delta_T above V_T
            aux = (u - cut) + self.theta            # the program's tape: spike where aux >= theta
            if z_fixed is None:
                zt = (aux.real >= self.theta).astype(self.ftype)
                if forced:
                    zt[:, :self.Nr] = self.s[:, t, :]
            else:
                zt = z_fixed[:, t, :]
            y[:, t, :] = zt if self.hard else 1.0 / (1.0 + np.exp(-(u - cut)))
            z[:, t, :] = zt
            tu[:, t, :] = aux.real
            held = np.where(aux.real >= self.theta, cut, u)  # forced without a spike: held at the cut
            w = w + (a * (v - EL) - w) / tw + zt * b
            v = np.where(zt > 0, EL + self.reset_offset, held)
            g = np.where(zt > 0, 1.0, g * (1.0 - 1.0 / tg))
        if tape:
            return y, z, (tu,)
        return y, z

    def evaluate(self):
        """Models without a hand-written adjoint here: output, spikes, tape and loss only."""
        y0 = z0 = U0 = None
        total, zs = 0.0, []
        for part, forced in self.passes():
            y, z, (U,) = self.forward(self.params, tape=True, forced=forced)
            if y0 is None:
                y0, z0, U0 = y, z, U
            total += self.loss(y, part)
            zs.append(z)
        return y0, z0, U0, None, total, zs

    # ----- losses (per window, summed) -----
    def loss(self, y, part="all"):
        y = y[:, :, :self.Nr]  # only the recorded neurons are scored
        wf, wv = self.weights(part)
        wb, wp = self.lweights(part)
        e = 1e-9
        total = 0.0
        if wb != 0.0:
            p = e + (1 - 2 * e) * y
            total = total - wb * (self.s * np.log(p) + (1 - self.s) * np.log(1 - p)).sum()
        if wp != 0.0:
            lam = y + e
            total = total + wp * (lam - self.s * np.log(lam)).sum()
        if wf != 0.0:
            total = total + wf * self.frd(y)
        if wv != 0.0:
            total = total + wv * self.vrd(y)
        return total

    def frd(self, y):
        Tsec = self.T * self.dt / 1000.0
        d = y.sum(axis=1) - self.s.sum(axis=1)          # [K][N]
        return (sabs(d) / Tsec).sum()

    def vrfilter(self, a):
        alpha = np.exp(-self.dt / self.vr_tau)
        f = np.empty_like(a)
        acc = np.zeros_like(a[:, 0, :])
        for t in range(self.T):
            acc = acc * alpha + a[:, t, :]
            f[:, t, :] = acc
        return f

    def vrd(self, y):
        D = self.vrfilter(y) - self.vrfilter(self.s)
        per_window = np.sqrt((D * D).sum(axis=(1, 2)) + 1e-12)
        return per_window.sum()

    def dloss_dy(self, y, part="all"):
        """Exact dL/dy [K][T][N] for real y (0 for hidden neurons)."""
        if y.shape[2] > self.Nr:
            G = np.zeros_like(y)
            G[:, :, :self.Nr] = self.dloss_dy(y[:, :, :self.Nr], part)
            return G
        wf, wv = self.weights(part)
        wb, wp = self.lweights(part)
        e = 1e-9
        G = np.zeros_like(y)
        if wb != 0.0:
            p = e + (1 - 2 * e) * y
            G -= wb * (1 - 2 * e) * (self.s / p - (1 - self.s) / (1 - p))
        if wp != 0.0:
            G += wp * (1 - self.s / (y + e))
        if wf != 0.0:
            Tsec = self.T * self.dt / 1000.0
            d = y.sum(axis=1) - self.s.sum(axis=1)
            G += wf * (d / sabs(d) / Tsec)[:, None, :]
        if wv != 0.0:
            alpha = np.exp(-self.dt / self.vr_tau)
            D = self.vrfilter(y) - self.vrfilter(self.s)
            Lw = np.sqrt((D * D).sum(axis=(1, 2)) + 1e-12)   # [K]
            dD = D / Lw[:, None, None]
            # f[t] = sum_{t'<=t} alpha^(t-t') y[t'] -> dL/dy[t] = sum_{t'>=t} alpha^(t'-t) dL/df[t']
            b = np.zeros_like(dD[:, 0, :])
            for t in range(self.T - 1, -1, -1):
                b = b * alpha + dD[:, t, :]
                G[:, t, :] += wv * b
        return G

    # ----- reverse mode -----
    def adjoint(self):
        """Sum over the passes: the output and spikes of the first (the saved output), the
        total loss, every pass's spikes (for the z-fixed derivatives) and the gradient."""
        y0 = z0 = U0 = None
        total, zs, grad = 0.0, [], None
        for part, forced in self.passes():
            y, z, U, g = self.adjoint_pass(part, forced)
            if y0 is None:
                y0, z0, U0 = y, z, U
            total += self.loss(y, part)
            zs.append(z)
            grad = g if grad is None else {b: grad[b] + g[b] for b in BLOCKS}
        return y0, z0, U0, grad, total, zs

    def adjoint_pass(self, part, forced):
        p = self.params
        EL, tm, tg, R, W = p["E_L"], p["tau_m"], p["tau_g"], p["R_I"], p["W"]
        y, z, (U, I, Vp, Gp) = self.forward(p, tape=True, forced=forced)
        Gy = self.dloss_dy(y, part)
        K, T, N = self.K, self.T, self.N
        ft = self.ftype
        gEL = np.zeros((K, N), ft); gtm = np.zeros((K, N), ft); gtg = np.zeros((K, N), ft)
        gR = np.zeros((K, N), ft); gW = np.zeros((N, N), ft); gx_sum = ft(0.0)
        av = np.zeros((K, N), ft)     # adjoint of v[t]
        ag = np.zeros((K, N), ft)     # adjoint of g[t]
        decay = 1.0 - 1.0 / tg
        for t in range(T - 1, -1, -1):
            zt = z[:, t, :]; u = U[:, t, :]; It = I[:, t, :]
            vp = Vp[:, t, :]; gp = Gp[:, t, :]
            # y = sig(u - theta) (soft) ; z is a constant
            if self.hard:
                au = np.zeros((K, N), ft)
            else:
                # sig' = e / (1 + e)^2 with e = exp(-|a|): 1 - sig(a) loses its digits once
                # sig(a) is close to 1, and the likelihoods multiply it by 1/(1 - p) ~ 1e9
                ea = np.exp(-np.abs(u - self.theta))
                au = Gy[:, t, :] * ea / ((1.0 + ea) * (1.0 + ea))
            # v[t] = z ? E_L : u
            au = au + av * (1.0 - zt)
            gEL += av * zt
            # g[t] = z ? 1 : g[t-1] * (1 - 1/tau_g)
            ag_nz = ag * (1.0 - zt)
            ag_prev = ag_nz * decay
            gtg += ag_nz * gp / (tg * tg)
            # u = v[t-1] + (E_L - v[t-1] + R I) / tau_m
            av_prev = au * (1.0 - 1.0 / tm)
            gEL += au / tm
            gR += au * It / tm
            gtm += -au * (EL - vp + R * It) / (tm * tm)
            aI = au * R / tm
            # I = sum_i g[t-1][i] W[i][j] + gain * x
            gW += gp.T @ aI
            ag_prev = ag_prev + aI @ W.T
            gx_sum += self.gain * aI.sum()
            av, ag = av_prev, ag_prev
        gEL += av          # v[0] = E_L ; g[0] = 0 is a constant
        gW[np.diag_indices(N)] = 0.0   # the diagonal is fixed at 0
        return y, z, U, {
            "E_L": gEL.sum(axis=0), "tau_m": gtm.sum(axis=0), "tau_g": gtg.sum(axis=0),
            "R_I": gR.sum(axis=0), "W": gW, "r_p": np.array([gx_sum * self.dt / 1000.0]),
        }

    # ----- z-fixed perturbation derivatives -----
    def _perturbed_loss(self, zs, block, idx, delta):
        p = {b: self.params[b].astype(np.complex128 if np.iscomplexobj(delta) else np.float64)
             for b in self.blocks}
        dx = 0.0
        if block == "r_p":
            dx = delta * self.dt / 1000.0       # pathwise: every x shifts by h*dt/1000
        else:
            p[block][idx] = p[block][idx] + delta
        total = 0.0
        for (part, _), z0 in zip(self.passes(), zs):
            y, _ = self.forward(p, z_fixed=z0, dx=dx)
            total = total + self.loss(y, part)
        return total

    def complex_step(self, zs, h=1e-30):
        out = {}
        for b in self.blocks:
            gb = np.zeros_like(self.params[b])
            for idx in np.ndindex(gb.shape):
                if b == "W" and idx[0] == idx[1]:
                    continue
                gb[idx] = np.imag(self._perturbed_loss(zs, b, idx, 1j * h)) / h
            out[b] = gb
        return out

    def central_fd(self, zs, rel=1e-6):
        out = {}
        for b in self.blocks:
            gb = np.zeros_like(self.params[b])
            for idx in np.ndindex(gb.shape):
                if b == "W" and idx[0] == idx[1]:
                    continue
                h = rel * max(1.0, abs(self.params[b][idx]))
                gb[idx] = (self._perturbed_loss(zs, b, idx, h) -
                           self._perturbed_loss(zs, b, idx, -h)) / (2 * h)
            out[b] = gb
        return out


def relerr(a, b):
    """elementwise |a-b| / max(|a|, |b|, 1e-8 max|b|); b is the program's block."""
    floor = max(1e-8 * np.max(np.abs(b)), 1e-300)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = [a for a in argv[1:] if a.startswith("--")]
    for fl in flags:
        if fl not in ("--fd", "--quiet", "--no-cs"):
            sys.stderr.write("unknown flag %s\n" % fl)
            return 2
    if len(args) not in (1, 2):
        sys.stderr.write("usage: check_gradient.py RUN.h5 [TOL] [--fd] [--no-cs] [--quiet]\n")
        return 2
    tol = float(args[1]) if len(args) == 2 else 1e-6
    quiet = "--quiet" in flags  # no per-block table
    try:
        P = Problem(args[0])
    except (OSError, KeyError, ValueError) as e:
        sys.stderr.write("check_gradient: %s: %s\n" % (args[0], e))
        return 2

    ok = True
    print("%s: loss %s (vr_tau %g, progress %g), %d windows x %d steps x %d neurons, "
          "theta %g, gain %g, dt %g%s" % (args[0], P.loss_name, P.vr_tau, P.progress, P.K, P.T,
                                          P.N, P.theta, P.gain, P.dt, ", hard output" if P.hard else "")
          + (", teacher-forced" if P.forced else ""))
    y, z0, U, g_adj, L, zs = P.adjoint() if P.model == "lif" else P.evaluate()
    margin = np.min(np.abs(U - P.theta))
    nspk = int(z0.sum())
    out_err = np.max(np.abs(y - P.y_saved))
    print("  spikes %d, min |u - theta| %.3g; output max abs diff %.3g" % (nspk, margin, out_err))
    if not out_err <= 1e-9:
        ok = False
        k, t, n = np.unravel_index(np.argmax(np.abs(y - P.y_saved)), y.shape)
        print("  MISMATCH output: window %d step %d neuron %d: mine %.17g saved %.17g"
              % (k, t + 1, n, y[k, t, n], P.y_saved[k, t, n]))
    lerr = abs(L - P.loss_saved) / max(abs(L), abs(P.loss_saved), 1e-300)
    print("  loss mine %.15g saved %.15g rel err %.3g" % (L, P.loss_saved, lerr))
    if not lerr <= 1e-10:
        ok = False
        print("  MISMATCH loss")

    diag = np.diag(P.grad["W"])
    if np.any(diag != 0.0):
        ok = False
        print("  MISMATCH grad/W diagonal is not 0 (the diagonal is fixed): %s" % diag)

    methods = [("adjoint", g_adj)] if g_adj is not None else []
    if "--no-cs" not in flags or g_adj is None:
        methods.append(("complex-step", P.complex_step(zs)))
    fd = P.central_fd(zs) if "--fd" in flags else None

    if not quiet:
        print("  %-6s %12s %12s %14s %14s %12s" % ("block", "max|grad|", "max abs diff", "rel adjoint",
                                                  "rel cplx-step", "rel c-fd" if fd else ""))
    for b in P.blocks:
        prog = P.grad[b]
        row = []
        for name, gm in methods:
            r = relerr(gm[b], prog)
            row.append(np.max(r))
            if np.max(r) > tol or not np.all(np.isfinite(prog)):
                ok = False
                bad = np.argwhere(~(r <= tol))
                for idx in bad[:10]:
                    idx = tuple(idx)
                    print("  MISMATCH %s%s (%s): program %.12g, %s %.12g, rel %.3g"
                          % (b, list(idx), name, prog[idx], name, gm[b][idx], r[idx]))
                if len(bad) > 10:
                    print("  ... %d entries of %s differ" % (len(bad), b))
        fdcol = ""
        if fd is not None:
            fdcol = "%12.3g" % np.max(relerr(fd[b], prog))
        if not quiet:
            if g_adj is None:  # complex step only
                print("  %-6s %12.4g %12s %14s %14.3g %12s" % (b, np.max(np.abs(prog)), "-", "-", row[0], fdcol))
            else:
                print("  %-6s %12.4g %12.3g %14.3g %14s %12s" % (b, np.max(np.abs(prog)),
                                                               np.max(np.abs(prog - g_adj[b])), row[0],
                                                               ("%.3g" % row[1]) if len(row) > 1 else "-", fdcol))
    print("  %s (tolerance %g)" % ("PASS" if ok else "FAIL", tol))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
