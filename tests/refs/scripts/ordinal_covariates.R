# Ordinal indicators with continuous exogenous covariates: lavaan 0.6-14's conditional.x = TRUE
# (its default for categorical data with exogenous covariates): per item a probit (ordinal)
# or linear (continuous) regression on the covariates, residual polychoric / polyserial
# correlations, the NACOV of (thresholds, slopes, residual correlations).
# Run from tests/refs:  Rscript scripts/ordinal_covariates.R
# Writes ordinal/covariates.csv (simulated once, seed 20261203) and ordinal/cx_<case>.json.
source("scripts/common.R")
set.seed(20261203)

csv <- "ordinal/covariates.csv"
if (!file.exists(csv)) {
  N <- 500
  x1 <- round(rnorm(N, 3, 1.2), 4)                 # e.g. age in decades
  x2 <- rbinom(N, 1, 0.45)                         # e.g. a dummy (new customer)
  x3 <- round(0.3 * x1 + rnorm(N), 4)
  M <- 0.5 * scale(x1)[, 1] - 0.3 * x2 + sqrt(0.7) * rnorm(N)      # latent mediator
  F <- 0.4 * scale(x1)[, 1] + 0.35 * x2 + 0.5 * M + sqrt(0.5) * rnorm(N)
  F <- F / sd(F); M <- M / sd(M)
  cut <- function(z, k, skew) findInterval(z, qnorm(seq_len(k - 1) / k) + skew) + 1L
  item <- function(f, lam) lam * f + sqrt(1 - lam^2) * rnorm(N)
  d <- data.frame(x1 = x1, x2 = x2, x3 = x3)
  lam <- c(0.8, 0.7, 0.65, 0.75)
  for (j in 1:4) d[[paste0("y", j)]] <- cut(item(F, lam[j]), 5, 0.15 * j - 0.3)
  for (j in 1:3) d[[paste0("m", j)]] <- cut(item(M, 0.6 + 0.08 * j), 4, 0.1 * j)
  d$c1 <- round(item(F, 0.7) * 1.5 + 4, 4)        # a continuous indicator of F
  write.csv(d, csv, row.names = FALSE)
}
d <- read.csv(csv)
if (is.null(d$g)) {   # a grouping column (alternate rows) for the multi-group case
  d$g <- 1L + (seq_len(nrow(d)) %% 2L)
  write.csv(d, csv, row.names = FALSE)
}
ys <- paste0("y", 1:4); ms <- paste0("m", 1:3)

fits <- function(name, model, ordered, ...) {
  for (tol in c(1e-11, 1e-10, 1e-9)) {
    fit <- suppressWarnings(sem(model, data = d, ordered = ordered,
                                control = list(rel.tol = tol, eval.max = 1e5, iter.max = 1e5),
                                ...))
    if (lavInspect(fit, "converged")) break
  }
  if (!lavInspect(fit, "converged")) stop("no convergence: ", name)
  stopifnot(lavInspect(fit, "options")$conditional.x)
  dump_case(fit, "ordinal", name, call = deparse(sys.call()),
            data_file = "ordinal/covariates.csv", model_syntax = model, options = list(...),
            extra = list(wls_obs = as.numeric(unlist(lavInspect(fit, "wls.obs"))),
                         wls_est = as.numeric(unlist(lavInspect(fit, "wls.est"))),
                         gamma = unname(as.matrix(lavInspect(fit, "gamma"))),
                         npar = lavInspect(fit, "npar"), rel_tol = tol,
                         ordered = ordered))
}
mimic <- "f =~ y1 + y2 + y3 + y4\nf ~ x1 + x2"
med <- paste("f =~ y1 + y2 + y3 + y4", "m =~ m1 + m2 + m3", "m ~ a*x1 + x2",
             "f ~ b*m + x1 + x2", "ind := a*b", sep = "\n")
fits("cx_mimic_wlsmv", mimic, ys, estimator = "WLSMV")
fits("cx_mimic_theta", mimic, ys, estimator = "WLSMV", parameterization = "theta")
fits("cx_mediator_wlsmv", med, c(ys, ms), estimator = "WLSMV")
fits("cx_direct_wlsmv", "f =~ y1 + y2 + y3 + y4\nf ~ x1\ny2 ~ x2", ys, estimator = "WLSMV")
fits("cx_mimic_ulsmv", mimic, ys, estimator = "ULSMV")
fits("cx_mimic_wlsm", mimic, ys, estimator = "WLSM")
fits("cx_groups_wlsmv", mimic, ys, estimator = "WLSMV", group = "g",
     group.equal = c("thresholds", "loadings"))
fits("cx_mixed_wlsmv", "f =~ y1 + y2 + y3 + y4 + c1\nf ~ x1 + x2 + x3", ys, estimator = "WLSMV")

# ---------------------------------------------------------------- modification indices
for (case in c("cx_mimic_wlsmv", "cx_mediator_wlsmv", "cx_mimic_theta")) {
  ref <- jsonlite::fromJSON(file.path("ordinal", paste0(case, ".json")))
  fit <- sem(ref$model, data = d, ordered = ref$extra$ordered,
             parameterization = if (is.null(ref$options$parameterization)) "delta"
                                else ref$options$parameterization,
             control = list(rel.tol = ref$extra$rel_tol))
  mi <- modindices(fit, sort. = FALSE)
  dump_json(list(name = paste0("mi_", case), case = case,
                 mi = mi[, c("lhs", "op", "rhs", "mi", "epc", "sepc.lv", "sepc.all")]),
            "ordinal", paste0("mi_", case))
}

# ---------------------------------------------------------------- an observed interaction
# lavaan forms the product column x1:x2 itself (uncentered) and conditions on it
fits("cx_product_wlsmv", "f =~ y1 + y2 + y3 + y4\nf ~ x1 + x3 + x1:x3", ys, estimator = "WLSMV")
