/*
 * MPI ranks for `marrow cohort`, when the library is built with MPI (MW_MPI) and the
 * program was started by mpirun.  Ranks share nothing per patient: each simulates a
 * contiguous block of the patients into its own folder, and rank 0 merges the
 * folders as `marrow merge` would (cohort.c).  The only messages are two
 * reductions of an error flag, so ranks on separate machines scale linearly.
 *
 * MPI is initialised on first use only when a launcher's environment says there are
 * several ranks: a plain `marrow cohort` never touches it.
 */
#include <stdlib.h>

#include "cohort/trial.h"

#ifdef MW_MPI
#include <mpi.h>

static void
finalize(void)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) {
        MPI_Finalize();
    }
}

/* World size from the launcher's environment (Open MPI, MPICH/Hydra, PMIx). */
static int
launched_size(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE",
                                       "MPI_LOCALNRANKS"};
    for (size_t k = 0; k < sizeof(vars) / sizeof(vars[0]); k++) {
        const char *v = getenv(vars[k]);
        if (v != NULL && atoi(v) > 1) {
            return atoi(v);
        }
    }
    return 1;
}

int
mw__ranks_start(int *rank)
{
    int init = 0, size = 1;
    *rank = 0;
    MPI_Initialized(&init);
    if (!init) {
        if (launched_size() < 2) {
            return 1;
        }
        if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
            return 1;
        }
        atexit(finalize);
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

int
mw__ranks_max(int x)
{
    int init = 0, y = x;
    MPI_Initialized(&init);
    if (init) {
        MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    }
    return y;
}

#else

int
mw__ranks_start(int *rank)
{
    *rank = 0;
    return 1;
}

int
mw__ranks_max(int x)
{
    return x;
}

#endif
