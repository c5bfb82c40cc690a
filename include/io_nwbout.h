#ifndef SPIKEFIT_IO_NWBOUT_H
#define SPIKEFIT_IO_NWBOUT_H
/* Writes spike trains as a minimal NWB 2.5 file: the NWBFile root with its required datasets
 * and groups, and Units tables (spike_times in s, spike_times_index, id, obs_intervals) that
 * NWB tools and spikefit's own NWB reader read. Serial (one process) and atomic: the file is
 * PATH.tmp until H5OutCommit renames it; H5OutAbort removes it. docs/FORMAT.md "NWB export". */
#include "h5io.h"
#include "spikes.h"

#define NWB_VERSION "2.5.0"

/* Creates PATH.tmp holding the NWBFile root: nwb_version, identifier (a random UUID),
 * session_description, session_start_time = timestamps_reference_time = file_create_date = now. */
PetscErrorCode NwbOutCreate(const char *path, const char *session_description, H5Out **out);
/* A ProcessingModule group (e.g. /processing/spikefit). */
PetscErrorCode NwbOutProcessingModule(H5Out *h, const char *group, const char *description);
/* A Units table at group from st: unit k's spikes (ms, written in s), its id st->unit_ids[k],
 * and st's observation intervals as every unit's obs_intervals. */
PetscErrorCode NwbOutUnits(H5Out *h, const char *group, const char *description, const SpikeTrains *st);
#endif
