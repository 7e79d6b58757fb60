/* Built-in benchmarks behind `marrow bench`; they use only the public API. */
#ifndef MW_BENCH_H
#define MW_BENCH_H

int mw_bench_main(int argc, char **argv);

#endif
