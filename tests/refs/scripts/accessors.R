# References for res.parameter_estimates() and res.inspect() (tests/test_accessors.py):
# lavaan's parameterEstimates(level =, standardized = TRUE, rsquare = TRUE) with std.nox,
# and lavInspect() for the most used entries. Run from tests/refs: Rscript scripts/accessors.R
source("scripts/common.R")
data_dir <- "../../src/trustmodel/datasets"
HS <- read.csv(file.path(data_dir, "holzinger_swineford.csv"))
EM <- read.csv(file.path(data_dir, "edt_missing.csv"))
mat <- function(m) { m <- unclass(m); list(names = rownames(m), values = unname(as.matrix(m))) }
inspect_all <- function(fit, what) setNames(lapply(what, function(w) {
  v <- lavInspect(fit, w)
  one <- function(u) if (is.matrix(u)) mat(u) else if (!is.null(names(u))) as.list(u) else u
  if (is.matrix(v) || !is.list(v)) one(v) else lapply(v, one)
}), what)

hsx <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ ageyr\ntextual ~ ageyr + sex"
fit <- sem(hsx, data = HS, control = list(rel.tol = 1e-10))
dump_json(list(model = hsx, data = "holzinger_swineford", options = setNames(list(), character(0)),
               pe90 = parameterEstimates(fit, level = 0.90, standardized = TRUE, rsquare = TRUE),
               inspect = inspect_all(fit, c("cov.lv", "cor.lv", "rsquare", "information",
                                            "converged"))),
          "accessors", "hs_covariates")

em <- "EXP =~ e1 + e2 + e3\nSAT =~ s1 + s2 + s3\nSAT ~ EXP"
fit <- sem(em, data = EM, missing = "ml", control = list(rel.tol = 1e-10))
pat <- lavInspect(fit, "patterns")
dump_json(list(model = em, data = "edt_missing", options = list(missing = "fiml"),
               pe80 = parameterEstimates(fit, level = 0.80, standardized = TRUE, rsquare = TRUE),
               inspect = inspect_all(fit, c("coverage", "rsquare", "cov.lv", "sampstat",
                                            "implied")),
               patterns = list(counts = fit@Data@Mp[[1]]$freq, columns = colnames(pat),
                               observed = unname(pat * 1L))),
          "accessors", "edt_fiml")

hs <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
fit <- cfa(hs, data = HS, group = "school", control = list(rel.tol = 1e-10))
dump_json(list(model = hs, data = "holzinger_swineford", options = list(group = "school"),
               inspect = inspect_all(fit, c("cov.lv", "rsquare"))),
          "accessors", "hs_groups")
