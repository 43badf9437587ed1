# lavaan 0.6-14 side of benchmarks/bench_scale.py: one case per call, timing only the fit.
#   Rscript benchmarks/bench_scale.R <case>     (case: ml1e6 | mlr1e5 | cfa60 | boot | fiml1e6)
# Prints one line: case, wall seconds, CPU seconds. Data are drawn with simulateData() from the same population
# models as the Python side (not timed).
suppressMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
case <- args[1]
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
pop_edt <- paste(readLines(file.path(here, "..", "src", "trustmodel", "datasets",
                                     "edt_population.lav")), collapse = "\n")
edt <- "EXP =~ e1 + e2 + e3\nPERF =~ p1 + p2 + p3\nDISC =~ d1 + d2 + d3
SAT =~ s1 + s2 + s3\nLOY =~ l1 + l2 + l3\nPERF ~ EXP\nDISC ~ PERF + a*EXP
SAT ~ b*DISC + PERF + EXP\nLOY ~ SAT\nexp_disc_sat := a*b"
cfa_syntax <- function(k, m, pop) {
  lines <- sapply(seq_len(k), function(f) {
    items <- paste0("y", (f - 1) * m + seq_len(m))
    paste0("F", f, " =~ ", paste0(if (pop) "0.7*" else "", items, collapse = " + "))
  })
  if (pop) {
    vars <- paste0("y", seq_len(k * m), " ~~ 0.51*y", seq_len(k * m))
    fv <- paste0("F", seq_len(k), " ~~ 1*F", seq_len(k))
    pairs <- combn(k, 2)
    fc <- paste0("F", pairs[1, ], " ~~ 0.3*F", pairs[2, ])
    lines <- c(lines, vars, fv, fc)
  }
  paste(lines, collapse = "\n")
}
timeit <- function(expr) {   # wall and CPU (user + system, this process and its children)
  t0 <- proc.time(); force(expr); d <- proc.time() - t0
  c(d[["elapsed"]], sum(d[c(1, 2, 4, 5)], na.rm = TRUE))
}
set.seed(1)
secs <- switch(case,
  ml1e6 = { d <- simulateData(pop_edt, sample.nobs = 1e6); timeit(sem(edt, d)) },
  mlr1e5 = { d <- simulateData(pop_edt, sample.nobs = 1e5); timeit(sem(edt, d, estimator = "MLR")) },
  cfa60 = { d <- simulateData(cfa_syntax(10, 6, TRUE), sample.nobs = 1000)
            timeit(cfa(cfa_syntax(10, 6, FALSE), d, estimator = "MLR")) },
  boot = { d <- read.csv(file.path(here, "..", "src", "trustmodel", "datasets", "edt.csv"))
           timeit(sem(edt, d, se = "bootstrap", bootstrap = 1000, parallel = "multicore",
                      ncpus = 2, iseed = 1)) },
  fiml1e6 = { d <- simulateData(pop_edt, sample.nobs = 1e6)
              d[matrix(runif(prod(dim(d))) < 0.05, nrow(d))] <- NA
              timeit(sem(edt, d, missing = "ml")) })
cat(case, sprintf("%.3f", secs[1]), sprintf("%.3f", secs[2]), "\n")
