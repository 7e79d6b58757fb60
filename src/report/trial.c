/* Trial report: being written; until then a cohort directory gets a clear error. */
#include "core/core.h"
#include "io/out.h"
#include "report/report.h"

int
mw__report_trial(const char *dir, char *errbuf, size_t errlen)
{
    mw__seterr(errbuf, errlen, "%s: the trial report is not written yet", dir);
    return MW_ERR_IO;
}
