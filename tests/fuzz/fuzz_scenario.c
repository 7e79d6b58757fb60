/* Fuzz target: the scenario loader (YAML, and JSON, its flow style), with every
 * check that loading runs; a scenario that loads is validated again and written
 * out as run.json would hold it.  Any input must give diagnostics or a scenario,
 * never a crash, a hang, a leak or undefined behaviour. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "marrow.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mw_diags_t diags;
    mw_scenario_t *sc = malloc(sizeof(*sc));
    char *text = malloc(size + 1);
    if (sc == NULL || text == NULL) {
        free(sc);
        free(text);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    mw_scenario_init_defaults(sc);
    if (mw_scenario_load_string(sc, text, "fuzz.yaml", &diags) == 0) {
        FILE *out = fopen("/dev/null", "w");
        if (mw_scenario_validate(sc, &diags) == 0 && out != NULL &&
            mw_scenario_write_json(sc, out, 0) != 0) {
            abort(); /* a loaded, valid scenario must always write */
        }
        if (out != NULL) {
            fclose(out);
        }
    }
    free(text);
    free(sc);
    return 0;
}
