/* Library version. */
#include "marrow.h"

#ifndef MW_VERSION_STRING
#define MW_VERSION_STRING "0.1.0"
#endif

const char *
mw_version(void)
{
    return MW_VERSION_STRING;
}

const char *
mw_build_features(void)
{
    return ""
#ifdef _OPENMP
           " openmp"
#endif
#ifdef MW_MPI
           " mpi"
#endif
        ;
}
