# lavaan's printed summary(fit, fit.measures = TRUE, standardized = TRUE) for the golden-text
# tests of trustmodel's Summary (tests/test_summary_golden.py). Run from tests/refs:
#   Rscript scripts/summary.R
# Writes summary/<case>.txt (the printed text) and summary/cases.json (how each was fitted).
source("scripts/common.R")
dir.create("summary", showWarnings = FALSE)
data_dir <- "../../src/trustmodel/datasets"
HS <- read.csv(file.path(data_dir, "holzinger_swineford.csv"))
EM <- read.csv(file.path(data_dir, "edt_missing.csv"))
hs <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
em <- "EXP =~ e1 + e2 + e3\nSAT =~ s1 + s2 + s3\nSAT ~ EXP"
sat <- "visual =~ x1 + x2 + x3"

cases <- list(
  list(name = "hs_ml", fun = "cfa", data = "holzinger_swineford", model = hs,
       options = setNames(list(), character(0))),
  list(name = "hs_mlr", fun = "cfa", data = "holzinger_swineford", model = hs,
       options = list(estimator = "MLR")),
  list(name = "edt_fiml", fun = "sem", data = "edt_missing", model = em,
       options = list(missing = "fiml")),
  list(name = "hs_groups", fun = "cfa", data = "holzinger_swineford", model = hs,
       options = list(group = "school")),
  list(name = "hs_saturated", fun = "cfa", data = "holzinger_swineford", model = sat,
       options = setNames(list(), character(0)))
)
for (cs in cases) {
  dat <- if (cs$data == "edt_missing") EM else HS
  # default control: printed to 3 decimals, and the iteration count is the one users see
  args <- c(list(model = cs$model, data = dat), cs$options)
  fit <- do.call(cs$fun, args)
  txt <- capture.output(summary(fit, fit.measures = TRUE, standardized = TRUE))
  writeLines(txt, file.path("summary", paste0(cs$name, ".txt")))
  cat("summary/", cs$name, "\n", sep = "")
}
dump_json(lapply(cases, function(cs) cs[c("name", "fun", "data", "model", "options")]),
          "summary", "cases")
