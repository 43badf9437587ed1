# Ordinal multi-group invariance beyond thresholds + loadings: lavaan 0.6-14's group.equal with
# "intercepts", "means", "residuals" (theta), "lv.variances", "lv.covariances", "regressions"
# on ordinal data (Wu & Estabrook 2016 ladder as semTools::measEq.syntax), and a ladder with
# lavTestLRT's scaled differences.  Run from tests/refs:  Rscript scripts/ordinal_invariance.R
# Reads ordinal/likert.csv (written by scripts/ordinal.R); writes ordinal/inv_<case>.json.
source("scripts/common.R")
d <- read.csv("ordinal/likert.csv")
ys <- paste0("y", 1:8)
m2 <- "f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8"
edt <- paste("EXP =~ exp1 + exp2 + exp3", "PERF =~ perf1 + perf2 + perf3",
             "SAT =~ sat1 + sat2 + sat3", "PERF ~ EXP", "SAT ~ PERF + EXP", sep = "\n")
edt_items <- c(paste0("exp", 1:3), paste0("perf", 1:3), paste0("sat", 1:3))
mixed <- "f1 =~ y1 + y2 + y3 + y4\nf5 =~ x1 + x2 + x3"

groupfit <- function(model, ordered, eq, par) {
  for (tol in c(1e-11, 1e-10, 1e-9)) {
    fit <- suppressWarnings(cfa(model, data = d, ordered = ordered, group = "g",
                                group.equal = eq, parameterization = par, estimator = "WLSMV",
                                control = list(rel.tol = tol, eval.max = 1e5, iter.max = 1e5)))
    if (lavInspect(fit, "converged")) break
  }
  if (!lavInspect(fit, "converged")) stop("no convergence: ", paste(eq, collapse = ","))
  attr(fit, "tol") <- tol
  fit
}
cases <- list(
  inv_residuals_theta = list(m2, ys, c("thresholds", "loadings", "residuals"), "theta"),
  inv_residuals_delta = list(m2, ys, c("thresholds", "loadings", "residuals"), "delta"),
  inv_means = list(m2, ys, c("thresholds", "loadings", "means"), "delta"),
  inv_means_theta = list(m2, ys, c("thresholds", "loadings", "residuals", "means"), "theta"),
  inv_lv_variances = list(m2, ys, c("thresholds", "loadings", "lv.variances"), "delta"),
  inv_lv_covariances = list(m2, ys, c("thresholds", "loadings", "lv.variances",
                                      "lv.covariances"), "delta"),
  inv_intercepts = list(m2, ys, c("loadings", "intercepts"), "delta"),
  inv_regressions = list(edt, edt_items, c("thresholds", "loadings", "regressions"), "delta"),
  inv_mixed_intercepts = list(mixed, ys[1:4], c("thresholds", "loadings", "intercepts"),
                              "delta"),
  inv_mixed_residuals = list(mixed, ys[1:4], c("thresholds", "loadings", "intercepts",
                                               "residuals"), "theta"))
for (nm in names(cases)) {
  a <- cases[[nm]]
  fit <- groupfit(a[[1]], a[[2]], a[[3]], a[[4]])
  dump_case(fit, "ordinal", nm, call = paste("cfa(..., group.equal =", deparse(a[[3]]), ")"),
            data_file = "ordinal/likert.csv", model_syntax = a[[1]],
            options = list(estimator = "WLSMV", parameterization = a[[4]], group = "g",
                           group.equal = a[[3]]),
            extra = list(wls_obs = as.numeric(unlist(lavInspect(fit, "wls.obs"))),
                         wls_est = as.numeric(unlist(lavInspect(fit, "wls.est"))),
                         npar = lavInspect(fit, "npar"), rel_tol = attr(fit, "tol"),
                         ordered = a[[2]]))
}

# the Wu & Estabrook ladder (theta): configural, thresholds, metric, strict, means
ladder <- list(configural = "", thresholds = "thresholds",
               metric = c("thresholds", "loadings"),
               strict = c("thresholds", "loadings", "residuals"),
               means = c("thresholds", "loadings", "residuals", "means"))
fs <- lapply(ladder, function(eq) groupfit(m2, ys, eq, "theta"))
rows <- lapply(names(fs), function(nm) {
  fm <- fitMeasures(fs[[nm]], c("chisq", "df", "chisq.scaled", "cfi", "rmsea"))
  as.list(fm)
})
names(rows) <- names(fs)
lrts <- lapply(2:length(fs), function(k) {
  tab <- lavTestLRT(fs[[k - 1]], fs[[k]])
  list(level = names(fs)[k], chisq_diff = tab[["Chisq diff"]][2], df_diff = tab[["Df diff"]][2],
       pvalue = tab[["Pr(>Chisq)"]][2])
})
dump_json(list(name = "ladder_theta", model = m2, ordered = ys, parameterization = "theta",
               levels = ladder, fits = rows, lrt = lrts), "ordinal", "ladder_theta")
