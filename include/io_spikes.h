#ifndef SPIKEFIT_IO_SPIKES_H
#define SPIKEFIT_IO_SPIKES_H
/* Readers for recorded spike trains: NWB /units, spikefit's own HDF5 layout (docs/FORMAT.md),
 * the retina layout (/spikes + /sCount) and two-column text. All times come back in ms.
 * Every reader validates what it reads and fails with one PETSc error that names the file,
 * the dataset or line, and the bad value; HDF5's own error stack is never printed.
 * The readers call no MPI: each rank reads its own share of the file independently. */
#include "spikes.h"

typedef struct {
  char   units[PETSC_MAX_PATH_LEN];       /* -data_units: comma list of unit ids or ranges "3,5,10-12"; empty = all */
  char   time_unit[16];                   /* -data_time_unit s|ms|samples (text, MATLAB, -data_intervals; default s) */
  double sample_rate;                     /* -data_sample_rate Hz, needed for samples */
  double t0_ms, t1_ms;                    /* -data_t0 / -data_t1 in ms: fitting span (t1 <= 0: to the end) */
  double holdout_ms;                      /* -data_holdout ms at the end of the span, never fitted (default 0) */
  double validation_ms;                   /* -data_validation ms at the end of the fitting span, not trained on but scored
                                             every iteration (-1: with a holdout, 10% of the fitting span; else 0) */
  char   intervals[PETSC_MAX_PATH_LEN];   /* -data_intervals FILE: "start end" lines (text, phy, MATLAB) */
  char   labels[256];                     /* -data_labels good,mua: phy cluster labels to fit */
  char   var[256];                        /* -data_var NAME (or IDS,TIMES): the MATLAB variable(s) */
  char   units_where[PETSC_MAX_PATH_LEN]; /* -data_units_where COL=V1,V2: NWB /units rows to fit */
} DataOptions;

/* Fills opt with the defaults (all units, seconds, t0 = 0, to the end, no holdout). */
PetscErrorCode DataOptionsDefault(DataOptions *opt);
/* PetscOptionsBegin/End over the -data_* options; validates NaN/Inf, negative values,
 * t1 <= t0, holdout >= span (when t1 is given), samples without a rate, the -data_units syntax. */
PetscErrorCode DataOptionsProcess(MPI_Comm comm, DataOptions *opt);
/* Checks an options struct filled by hand (DataOptionsProcess calls it). */
PetscErrorCode DataOptionsValidate(const DataOptions *opt);

/* The validation span (ms) of a fitting span of span_ms: -data_validation, or its default
 * (with a holdout, 10% of the fitting span and at least min_ms; without one, none). */
double DataOptionsValidationMs(const DataOptions *opt, double span_ms, double min_ms);

/* The fitting span [fit_lo, fit_hi) and the holdout span [hold_lo, hold_hi) (empty when no
 * holdout) for a recording whose header is info: the span ends at t1 or, when t1 <= 0, at the
 * end of the last observation interval. Fails when the span is empty or the holdout eats it. */
PetscErrorCode DataOptionsSpan(const DataOptions *opt, const SpikeTrains *info, double *fit_lo, double *fit_hi,
                               double *hold_lo, double *hold_hi);

typedef enum {
  SPIKE_FILE_NWB,
  SPIKE_FILE_SPIKEFIT,
  SPIKE_FILE_RETINA,
  SPIKE_FILE_TSV,
  SPIKE_FILE_PHY,
  SPIKE_FILE_MAT
} SpikeFileKind;
const char *SpikeFileKindName(SpikeFileKind kind);

/* A directory is a Kilosort/phy folder; a file starting with "MATLAB 5.0"/"MATLAB 7.3" is a .mat
 * file; otherwise the HDF5 signature + which datasets exist; a file without the HDF5 signature
 * is text (unless its name ends in .h5/.hdf5/.nwb/.mat, or it holds NUL bytes: then it is an error). */
PetscErrorCode SpikeFileDetect(const char *path, SpikeFileKind *kind);

/* Header only: number of units (after -data_units), unit ids, observation intervals; nspikes = 0
 * and offsets all 0 (no spike times are read, except the first and last spike of each unit where
 * the layout has no stored observation interval). Text files are parsed completely. */
PetscErrorCode SpikeFileReadInfo(const char *path, const DataOptions *opt, SpikeTrains **info);

/* Reads only the spikes with t_lo_ms <= t < t_hi_ms (t_hi_ms <= t_lo_ms is an error; pass
 * PETSC_INFINITY for "to the end"). HDF5 layouts: a binary search inside each unit's segment by
 * single-element reads, then one hyperslab read of the range, so memory does not grow with the
 * recording's length. The result's observation intervals are the file's, clipped to the range. */
PetscErrorCode SpikeFileReadRange(const char *path, const DataOptions *opt, double t_lo_ms, double t_hi_ms,
                                  SpikeTrains **out);

/* Streams through every spike of the selected units in blocks of fixed size and checks them
 * (finite, non-negative, sorted within each unit); memory stays bounded. */
PetscErrorCode SpikeFileValidate(const char *path, const DataOptions *opt);

/* ---- internal interface between io_spikes.c, io_h5source.c and the layout readers (io_nwb.c,
 *      io_h5spikes.c, io_tsv.c, ...); not for callers outside the io_* files. ---- */
#include <hdf5.h>

/* Per-unit tables (indices, ids, counts, intervals) longer than this are taken for damage. */
#define SPIKE_MAX_UNITS_ENTRIES ((hsize_t)1 << 26)
#define SPIKE_SOURCE_MAXH       32
/* An opened HDF5 recording: one 1-D float64 times dataset and each file unit's segment in it. */
typedef struct {
  const char   *path;
  SpikeFileKind kind;
  hid_t         file;
  hid_t         times;      /* the times dataset (open while the source is open) */
  const char   *times_name; /* its path, for messages */
  double        to_ms;      /* factor converting the stored times to ms */
  uint64_t      ntimes;
  PetscInt      nall;        /* units in the file */
  uint64_t     *begin, *end; /* [nall]: unit k owns times[begin[k] .. end[k]) */
  PetscInt     *ids;         /* [nall] */
  /* observation intervals: either shared by all units (per_unit == PETSC_FALSE) or per unit */
  PetscBool per_unit;
  PetscInt  nint;        /* shared intervals */
  double   *int_ms;      /* [nint][2] */
  uint64_t *int_off;     /* per-unit case: [nall+1] offsets into int_ms */
  PetscBool from_spikes; /* no stored interval: derive [first, last] spike rounded out */
  double    duration_ms; /* retina: /summary/duration if present (else 0) */
  PetscInt  nsel;
  PetscInt *sel;                  /* [nsel] selected file-unit indices, file order */
  hid_t     h[SPIKE_SOURCE_MAXH]; /* every other HDF5 id opened, closed by SpikeSourceClose */
  int       nh;
} SpikeSource;

/* HDF5's error printing off between Begin and End (io_h5source.c). */
typedef struct {
  H5E_auto2_t func;
  void       *data;
} H5Silence;
void           SilenceBegin(H5Silence *s);
void           SilenceEnd(H5Silence *s);
PetscErrorCode SpikeSourceClose(SpikeSource *src); /* every tracked id, the file, the arrays */
PetscErrorCode SpikeSourceTrack(SpikeSource *src, hid_t id);
PetscErrorCode SpikeSourceRelease(SpikeSource *src, hid_t id); /* closes one tracked id now */
PetscErrorCode SpikeSourceOpenDataset(SpikeSource *src, const char *name, H5T_class_t want_class, int want_rank,
                                      hsize_t dims[2], hid_t *dset);
PetscErrorCode SpikeSourceReadAll(SpikeSource *src, hid_t dset, const char *name, hid_t memtype, void *buf);
PetscErrorCode SpikeSourceReadU64(SpikeSource *src, const char *name, PetscBool optional, PetscBool *found, hsize_t *n,
                                  uint64_t **vals);
PetscErrorCode SpikeSourceReadIds(SpikeSource *src, const char *name, PetscInt n, PetscInt **ids);
PetscErrorCode SpikeSourceLinkExists(SpikeSource *src, const char *name, PetscBool *exists);
/* ends[k] = cumulative end offset of unit k; checks monotone and <= ntimes; sets nall, begin, end. */
PetscErrorCode SpikeSourceSegmentsFromEnds(SpikeSource *src, const char *name, const uint64_t *ends, PetscInt n);
/* Reads a float [m][2] dataset of intervals, checks finite 0 <= start < end, scales to ms. */
PetscErrorCode SpikeSourceReadIntervals(SpikeSource *src, const char *name, double to_ms, PetscInt *m, double **vals);

PetscErrorCode NwbOpen(SpikeSource *src);
PetscErrorCode SpikefitH5Open(SpikeSource *src);
PetscErrorCode RetinaOpen(SpikeSource *src);

/* Parses the -data_units list; *sel[k] = PETSC_TRUE for file unit k selected. */
PetscErrorCode DataUnitsSelect(const char *path, const char *list, PetscInt nall, const PetscInt *ids, PetscInt *nsel,
                               PetscInt **sel);

/* Text reader: all units (after the selection) and the spikes in [t_lo, t_hi) (info_only:
 * no spikes kept). */
PetscErrorCode TsvRead(const char *path, const DataOptions *opt, PetscBool info_only, double t_lo_ms, double t_hi_ms,
                       SpikeTrains **out);
/* Same, from a memory buffer (used by the fuzz target and by TsvRead). */
PetscErrorCode TsvParseBuffer(const char *name, const char *buf, size_t len, const DataOptions *opt,
                              PetscBool info_only, double t_lo_ms, double t_hi_ms, SpikeTrains **out);

/* ---- formats read whole into (unit id, time) pairs: io_pairs.c ---- */
typedef struct {
  PetscInt id;
  double   t; /* ms */
} SpikePair;
/* ms per unit of -data_time_unit. */
double DataTimeScale(const DataOptions *opt);
/* Parses "start end" (in -data_time_unit) from text into ms; an error names the file and line. */
PetscErrorCode SpikeIntervalParse(const char *name, long lineno, const char *text, double scale, double *a, double *b);
/* The observation intervals of a format without stored ones: -data_intervals when given, else the
 * nfile intervals the file itself gave (text "# interval" lines), else [0, floor(tmax) + 1) ms.
 * Checks them (finite, start < end, sorted, disjoint); *ints is PetscMalloc'd. */
PetscErrorCode SpikeIntervalsFor(const char *name, const DataOptions *opt, PetscInt nfile, const double *file_ints,
                                 double tmax_ms, PetscInt *nint, double **ints);
/* The result from pairs (any order; may be reordered): the units sel_ids[0..nsel) in that order,
 * the spikes inside the intervals (the others are counted, reported through PetscInfo and
 * dropped) and, unless info_only, inside [t_lo, t_hi), whose intervals are clipped to it. */
PetscErrorCode SpikePairsToTrains(const char *name, size_t npairs, SpikePair *pairs, PetscInt nsel,
                                  const PetscInt *sel_ids, PetscInt nint, const double *ints, PetscBool info_only,
                                  double t_lo, double t_hi, SpikeTrains **out);

/* Kilosort/phy folder (io_phy.c) and MATLAB file (io_mat.c) readers, same contract as TsvRead. */
PetscErrorCode PhyRead(const char *dir, const DataOptions *opt, PetscBool info_only, double t_lo_ms, double t_hi_ms,
                       SpikeTrains **out);
PetscErrorCode MatRead(const char *path, const DataOptions *opt, PetscBool info_only, double t_lo_ms, double t_hi_ms,
                       SpikeTrains **out);
/* The NWB rows that -data_units_where keeps: keep[k] for file unit k (io_nwb.c). */
PetscErrorCode NwbUnitsWhere(SpikeSource *src, const char *where, PetscBool *keep);
#endif
