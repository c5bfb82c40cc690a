/* `spikefit landscape`: the loss (and the mean firing rate) over a grid of two parameters
 * with the others fixed, at the truth of a synthetic file or at the fitted parameters of a
 * run. Grid points are spread over the ranks; the sums are exact, so the file does not
 * depend on the number of ranks. */
#include "app.h"
#include "fit_impl.h"
#include "h5io.h"
#include "parallel.h"
#include "window_source.h"
#include <math.h>
#include <string.h>

typedef struct {
  char     spec[64];
  PetscInt index; /* into theta */
  double   lo, hi;
  PetscInt npts;
} Axis;

/* "BLOCK" (entry 0), "BLOCK:i" or "W:i,j" -> flat index. */
static PetscErrorCode ParseAxis(const ParamLayout *l, const char *opt, Axis *a)
{
  char              name[32] = "", *colon;
  const ParamBlock *b;
  PetscInt          i = 0, j = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(name, a->spec, sizeof(name)));
  colon = strchr(name, ':');
  if (colon) {
    *colon  = 0;
    int got = sscanf(colon + 1, "%" PetscInt_FMT ",%" PetscInt_FMT, &i, &j);
    PetscCheck(got >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s %s: expected BLOCK, BLOCK:i or W:i,j", opt,
               a->spec);
  }
  b = ParamLayoutBlock(l, name);
  PetscCheck(b, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s %s: no parameter block '%s' (E_L tau_m tau_g R_I W r_p)",
             opt, a->spec, name);
  if (b->cols > 1) {
    PetscCheck(i >= 0 && i < b->rows && j >= 0 && j < b->cols && i != j, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "%s %s: W entry (%" PetscInt_FMT ",%" PetscInt_FMT ") is not a free weight", opt, a->spec, i, j);
    a->index = b->offset + i * b->cols + j;
  } else {
    PetscCheck(i >= 0 && i < b->size, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "%s %s: entry %" PetscInt_FMT " is outside the block (size %" PetscInt_FMT ")", opt, a->spec, i,
               b->size);
    a->index = b->offset + i;
  }
  if (!(a->hi > a->lo)) {
    a->lo = l->lo[a->index];
    a->hi = l->hi[a->index];
  }
  PetscCheck(isfinite(a->lo) && isfinite(a->hi) && a->hi > a->lo, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: the range must be finite with lo < hi", opt);
  PetscCheck(a->npts >= 2 && a->npts <= 10000, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-land_n%s: between 2 and 10000 grid points, got %" PetscInt_FMT, opt + 6, a->npts);
  PetscFunctionReturn(0);
}

/* Loss summed over the windows (the fit's loss at its first iteration: hidden neurons,
 * teacher forcing and sm over all windows as one step included) and the model's mean rate
 * (Hz) at theta, on this rank alone. */
static PetscErrorCode PointLoss(Fit *f, const double *theta, double *loss, double *rate)
{
  const FitOptions *o = f->cfg.opt;
  PetscInt          n = f->net.layout->n, T = o->window_steps;
  SimWork          *w = f->thread[0].work;
  double           *s = f->thread[0].target, spikes = 0, *sums = NULL;

  PetscFunctionBeginUser;
  *loss = 0;
  if (f->state.sm) PetscCall(PetscCalloc1(f->net.smsh.len, &sums));
  for (PetscInt win = 0; win < f->net.nwindows; win++) {
    WindowKey k = WindowKeyTrain((uint64_t)o->input_seed, 0, win); /* the first iteration's */
    PetscCall(WindowSourceGet(f, &k, theta, 0, w->x, s));
    WindowKeyApply(&k, w);
    *loss += FitWindowLoss(f, theta, w, s, 0.0, 0, sums);
    SimHardSpikes(&f->net.sim, w, w->dy);
    for (PetscInt k = 0; k < n * T; k++) spikes += w->dy[k];
  }
  if (sums) {
    double term;
    PetscCall(FitSMTerm(f, f->net.nwindows, sums, 0.0, &term));
    *loss += term;
    PetscCall(PetscFree(sums));
  }
  *rate = spikes / (n * f->net.nwindows * T * o->dt / 1000.0);
  PetscFunctionReturn(0);
}

/* -land_{x,y}_range lo,hi (default: the parameter's bounds). */
static PetscErrorCode AxisRange(PetscOptionItems *PetscOptionsObject, MPI_Comm comm, const char *opt, const char *help,
                                Axis *a)
{
  double    range[2];
  PetscInt  nr = 2;
  PetscBool set;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsRealArray(opt, help, NULL, range, &nr, &set));
  if (set) {
    PetscCheck(nr == 2, comm, PETSC_ERR_ARG_WRONG, "%s needs lo,hi", opt);
    a->lo = range[0];
    a->hi = range[1];
    PetscCheck(a->hi > a->lo, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: lo must be below hi, got %g,%g", opt, a->lo, a->hi);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode LandscapeOptions(MPI_Comm comm, Axis *ax, Axis *ay, char *base, size_t len)
{
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "spikefit landscape: the loss over a grid of two parameters", NULL);
  PetscCall(PetscOptionsString("-land_x", "First parameter: BLOCK, BLOCK:i or W:i,j", NULL, ax->spec, ax->spec,
                               sizeof(ax->spec), NULL));
  PetscCall(PetscOptionsString("-land_y", "Second parameter", NULL, ay->spec, ay->spec, sizeof(ay->spec), NULL));
  PetscCall(PetscOptionsInt("-land_nx", "Grid points along x", NULL, ax->npts, &ax->npts, NULL));
  PetscCall(PetscOptionsInt("-land_ny", "Grid points along y", NULL, ay->npts, &ay->npts, NULL));
  PetscCall(AxisRange(PetscOptionsObject, comm, "-land_x_range", "lo,hi of x (default: its bounds)", ax));
  PetscCall(AxisRange(PetscOptionsObject, comm, "-land_y_range", "lo,hi of y (default: its bounds)", ay));
  PetscCall(PetscOptionsString("-land_base",
                               "Results file whose /params/final are the fixed values (default: the truth)", NULL, base,
                               base, len, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* The fixed values: /params/final of -land_base, else the truth. */
static PetscErrorCode LandscapeBase(const Fit *f, const FitData *data, const char *base, double *theta)
{
  PetscFunctionBeginUser;
  if (base[0]) {
    hid_t file;
    PetscCall(H5InOpen(base, &file));
    for (PetscInt b = 0; b < f->net.layout->nblocks; b++) {
      char name[64];
      PetscCall(PetscSNPrintf(name, sizeof(name), "/params/final/%s", f->net.layout->blocks[b].name));
      PetscCall(H5InDoubles(file, base, name, (hsize_t)f->net.layout->blocks[b].size,
                            theta + f->net.layout->blocks[b].offset));
    }
    PetscCall(H5InClose(&file, base));
  } else {
    /* the truth's parameters on the neurons both networks have; a model neuron the truth
     * lacks (-fit_hidden) keeps its initial parameters, a truth neuron the model lacks
     * (-fit_recorded) is left out */
    const ParamLayout *tl = f->net.tlayout, *ml = f->net.layout;
    PetscCheck(tl && data->truth, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
               "the landscape's base is the ground truth, and the data has none: give -land_base RUN.h5");
    PetscCall(PetscArraycpy(theta, f->state.theta, f->net.P));
    for (PetscInt b = 0; b < ml->nblocks; b++) {
      const ParamBlock *bm = &ml->blocks[b], *bt = ParamLayoutBlock(tl, bm->name);
      if (!bt) continue;
      for (PetscInt i = 0; i < PetscMin(bm->rows, bt->rows); i++)
        for (PetscInt j = 0; j < PetscMin(bm->cols, bt->cols); j++)
          theta[bm->offset + i * bm->cols + j] = data->truth[bt->offset + i * bt->cols + j];
    }
  }
  PetscFunctionReturn(0);
}

/* This rank's block of grid points: vals[p] the loss, vals[npts + p] the rate (0 elsewhere). */
static PetscErrorCode LandscapeGrid(Fit *f, const Axis *ax, const Axis *ay, const double *xs, const double *ys,
                                    double *theta, double *vals)
{
  PetscInt lo, hi, npts = ax->npts * ay->npts;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(vals, 2 * npts));
  ParallelBlock(npts, f->cfg.par->rank, f->cfg.par->size, &lo, &hi);
  for (PetscInt p = lo; p < hi; p++) {
    PetscInt j = p / ax->npts, i = p % ax->npts;
    double   save_x = theta[ax->index], save_y = theta[ay->index];
    PetscCheck(!ParallelSignalReceived(), PETSC_COMM_SELF, PARALLEL_ERR_SIGNAL,
               "stopped by a signal at grid point %" PetscInt_FMT "; %s was not written", p, f->cfg.opt->out);
    theta[ax->index] = xs[i];
    theta[ay->index] = ys[j];
    PetscCall(PointLoss(f, theta, &vals[p], &vals[npts + p]));
    theta[ax->index] = save_x;
    theta[ay->index] = save_y;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode LandscapeWrite(MPI_Comm comm, const Fit *f, const Axis *ax, const Axis *ay, const char *base,
                                     const double *theta, const double *vals, const double *xs, const double *ys)
{
  hsize_t d2[2] = {(hsize_t)ay->npts, (hsize_t)ax->npts}, dx = (hsize_t)ax->npts, dy = (hsize_t)ay->npts;
  H5Out  *h;

  PetscFunctionBeginUser;
  PetscCall(H5OutCreate(comm, f->cfg.opt->out, &h));
  PetscCall(H5OutAttrString(h, "/", "spikefit_format", "landscape"));
  PetscCall(H5OutDoubles(h, "/landscape/loss", 2, d2, vals));
  PetscCall(H5OutDoubles(h, "/landscape/rate", 2, d2, vals + ax->npts * ay->npts));
  PetscCall(H5OutDoubles(h, "/landscape/x", 1, &dx, xs));
  PetscCall(H5OutDoubles(h, "/landscape/y", 1, &dy, ys));
  PetscCall(H5OutDoubles(h, "/landscape/base", 1, (hsize_t[]){(hsize_t)f->net.P}, theta));
  PetscCall(H5OutAttrString(h, "/landscape", "x_param", ax->spec));
  PetscCall(H5OutAttrString(h, "/landscape", "y_param", ay->spec));
  PetscCall(H5OutAttrDouble(h, "/landscape", "x_base", theta[ax->index]));
  PetscCall(H5OutAttrDouble(h, "/landscape", "y_base", theta[ay->index]));
  PetscCall(H5OutAttrString(h, "/landscape", "base", base[0] ? base : "truth"));
  PetscCall(H5OutAttrString(h, "/landscape", "loss", LossKinds[f->cfg.opt->lcfg.kind]));
  PetscCall(H5OutAttrInt(h, "/landscape", "windows", f->net.nwindows));
  PetscCall(H5OutString(h, "/canonical_options", f->cfg.canonical));
  PetscCall(H5OutCommit(&h, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode LandscapeRun(MPI_Comm comm, int *exit_code)
{
  FitOptions o;
  Parallel  *par  = NULL;
  FitData   *data = NULL;
  Fit       *f    = NULL;
  Axis       ax = {.spec = "E_L:0", .npts = 21}, ay = {.spec = "tau_m:0", .npts = 21};
  char       base[PETSC_MAX_PATH_LEN] = "";
  FixedSum  *acc;
  double    *theta, *vals, *xs, *ys;
  PetscInt   best = 0;

  PetscFunctionBeginUser;
  *exit_code = 0;
  PetscCall(LandscapeOptions(comm, &ax, &ay, base, sizeof(base)));
  PetscCall(FitOptionsProcess(comm, &o));
  if (AppHelpRequested()) PetscFunctionReturn(0);
  {
    const AppFile files[] = {
        {"-data", o.data, PETSC_FALSE, PETSC_FALSE, NULL},
        {"-land_base", base, PETSC_FALSE, PETSC_FALSE, NULL},
        {"-o", o.out, PETSC_TRUE, PETSC_FALSE, NULL},
    };
    PetscCall(AppCheckFiles(comm, files, 3));
  }
  /* every rank is its own group: grid points, not windows, are shared out */
  PetscCall(ParallelCreate(comm, ParallelSize(comm), &par));
  PetscCall(FitDataResolveOptions(&o, par));
  PetscCall(FitDataLoad(&o, par, &data));
  PetscCheck(o.mode == TARGET_SYNTHETIC || base[0], comm, PETSC_ERR_ARG_WRONG,
             "a landscape of a recording needs -land_base RUN.h5 (there is no truth to centre it on)");
  PetscCheck(o.mode == TARGET_SYNTHETIC || par->size == 1, comm, PETSC_ERR_SUP,
             "a landscape of a recording runs on one rank (each rank would read only its share of the windows)");
  PetscCall(FitCreate(&o, par, data, 0, &f));
  PetscCall(AppCheckUnusedOptions(comm));
  PetscCall(ParseAxis(f->net.layout, "-land_x", &ax));
  PetscCall(ParseAxis(f->net.layout, "-land_y", &ay));
  PetscCheck(ax.index != ay.index, comm, PETSC_ERR_ARG_WRONG, "-land_x and -land_y name the same parameter");
  PetscCall(PetscMalloc1(f->net.P, &theta));
  PetscCall(LandscapeBase(f, data, base, theta));
  PetscCall(FixedSumCreate(2 * ax.npts * ay.npts, &acc));
  PetscCall(PetscMalloc3(2 * ax.npts * ay.npts, &vals, ax.npts, &xs, ay.npts, &ys));
  for (PetscInt i = 0; i < ax.npts; i++) xs[i] = ax.lo + (ax.hi - ax.lo) * i / (ax.npts - 1);
  for (PetscInt j = 0; j < ay.npts; j++) ys[j] = ay.lo + (ay.hi - ay.lo) * j / (ay.npts - 1);
  PetscCall(LandscapeGrid(f, &ax, &ay, xs, ys, theta, vals));
  FixedSumAdd(acc, vals);
  PetscCall(ParallelSumFixedOver(comm, acc));
  FixedSumGet(acc, vals);
  PetscCall(LandscapeWrite(comm, f, &ax, &ay, base, theta, vals, xs, ys));
  for (PetscInt p = 1; p < ax.npts * ay.npts; p++)
    if (vals[p] < vals[best]) best = p;
  PetscCall(PetscPrintf(comm,
                        "landscape: %s x %s on %" PetscInt_FMT " x %" PetscInt_FMT
                        " points (%d ranks); minimum loss %.6g at (%g, %g), base (%g, %g) -> %s\n",
                        ax.spec, ay.spec, ax.npts, ay.npts, par->size, vals[best], xs[best % ax.npts],
                        ys[best / ax.npts], theta[ax.index], theta[ay.index], o.out));
  PetscCall(PetscFree3(vals, xs, ys));
  PetscCall(FixedSumDestroy(&acc));
  PetscCall(PetscFree(theta));
  PetscCall(FitDestroy(&f));
  PetscCall(FitDataDestroy(&data));
  PetscCall(ParallelDestroy(&par));
  PetscFunctionReturn(0);
}
