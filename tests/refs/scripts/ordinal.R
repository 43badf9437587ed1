# Ordinal (categorical) references: thresholds, polychoric/polyserial correlations, their
# asymptotic covariance (NACOV / WLS.V) and WLSMV-family fits, lavaan 0.6-14.
# Run from tests/refs:  Rscript scripts/ordinal.R
# Writes ordinal/likert.csv (simulated once, seed 20261201) and ordinal/<case>.json.
source("scripts/common.R")
set.seed(20261201)

cut_to <- function(x, k, skew = 0) {
  # k-point item from a continuous latent response; thresholds spread (slightly skewed)
  th <- qnorm(seq_len(k - 1) / k) + skew
  findInterval(x, th) + 1L
}

csv <- "ordinal/likert.csv"
if (!file.exists(csv)) {
  N <- 600
  g <- rep(c(1L, 2L), each = N / 2)
  # five factors: F1,F2 (5-point), F3 (7-point), F4 (binary), F5 (continuous)
  Phi <- matrix(0.4, 5, 5); diag(Phi) <- 1
  F <- MASS::mvrnorm(N, rep(0, 5), Phi)
  F[g == 2, ] <- F[g == 2, ] + 0.3
  item <- function(f, lam) lam * f + sqrt(1 - lam^2) * rnorm(N)
  d <- data.frame(g = g)
  lam <- c(0.8, 0.7, 0.6, 0.75)
  for (j in 1:4) d[[paste0("y", j)]] <- cut_to(item(F[, 1], lam[j]), 5, skew = 0.1 * j)
  for (j in 1:4) d[[paste0("y", j + 4)]] <- cut_to(item(F[, 2], lam[j]), 5, skew = -0.1 * j)
  for (j in 1:6) d[[paste0("z", j)]] <- cut_to(item(F[, 3], 0.55 + 0.05 * j), 7)
  for (j in 1:5) d[[paste0("b", j)]] <- as.integer(item(F[, 4], 0.6 + 0.05 * j) > (j - 3) * 0.3)
  for (j in 1:3) d[[paste0("x", j)]] <- round(2 + item(F[, 5], 0.7 + 0.05 * j), 6)
  # EDT-like structural model: expectation -> disconfirmation -> satisfaction, performance
  E <- rnorm(N); P <- 0.5 * E + sqrt(0.75) * rnorm(N)
  D <- -0.4 * E + 0.6 * P + sqrt(0.5) * rnorm(N)
  S <- 0.3 * E + 0.3 * P + 0.4 * D + sqrt(0.45) * rnorm(N)
  for (nm in c("exp", "perf", "disc", "sat")) {
    lat <- switch(nm, exp = E, perf = P, disc = D, sat = S)
    lat <- lat / sd(lat)
    for (j in 1:3) d[[paste0(nm, j)]] <- cut_to(item(lat, 0.65 + 0.07 * j), 5, skew = 0.2)
  }
  write.csv(d, csv, row.names = FALSE)
}
d <- read.csv(csv)
ys <- paste0("y", 1:8); zs <- paste0("z", 1:6); bs <- paste0("b", 1:5)

# ---------------------------------------------------------------- stage 1-2: lavCor
stage12 <- function(name, vars, ordered) {
  fit <- lavCor(d[, vars], ordered = ordered, output = "fit", se = "robust.sem",
                estimator = "WLSMV")
  dump_json(list(name = name, vars = vars, ordered = ordered,
                 lavaan = as.character(packageVersion("lavaan")),
                 wls_obs = as.numeric(lavInspect(fit, "wls.obs")),
                 wls_v = unname(as.matrix(lavInspect(fit, "wls.v"))),
                 gamma = unname(as.matrix(lavInspect(fit, "gamma"))),
                 th = as.numeric(lavInspect(fit, "sampstat")$th),
                 th_names = names(lavInspect(fit, "sampstat")$th),
                 cor = unname(as.matrix(lavInspect(fit, "sampstat")$cov))),
            "ordinal", name)
}
stage12("cor_likert5", ys, ys)
stage12("cor_likert7", zs, zs)
stage12("cor_binary", bs, bs)
stage12("cor_mixed", c(ys[1:4], "x1", "x2", "x3"), ys[1:4])

# ---------------------------------------------------------------- stage 3: fits
fits <- function(name, model, ordered, ..., data = d) {
  # nlminb's tightest tolerance that still reports convergence on these fits
  for (tol in c(1e-11, 1e-10, 1e-9)) {
    fit <- suppressWarnings(cfa(model, data = data, ordered = ordered,
                                control = list(rel.tol = tol, eval.max = 1e5, iter.max = 1e5), ...))
    if (lavInspect(fit, "converged")) break
  }
  if (!lavInspect(fit, "converged")) stop("no convergence: ", name)
  dump_case(fit, "ordinal", name, call = deparse(sys.call()),
            data_file = if (identical(data, d)) "ordinal/likert.csv" else "ordinal/likert_missing.csv",
            model_syntax = model, options = list(...),
            extra = list(wls_obs = as.numeric(unlist(lavInspect(fit, "wls.obs"))),
                         wls_est = as.numeric(unlist(lavInspect(fit, "wls.est"))),
                         npar = lavInspect(fit, "npar"), rel_tol = tol,
                         ordered = ordered))
}
m2 <- "f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8"
m7 <- "f =~ z1 + z2 + z3 + z4 + z5 + z6"
fits("cfa5_wlsmv_delta", m2, ys, estimator = "WLSMV")
fits("cfa5_wlsmv_theta", m2, ys, estimator = "WLSMV", parameterization = "theta")
fits("cfa7_wlsmv_delta", m7, zs, estimator = "WLSMV")
fits("cfa7_wlsmv_theta", m7, zs, estimator = "WLSMV", parameterization = "theta")
fits("cfa5_ulsmv", m2, ys, estimator = "ULSMV")
fits("cfa5_uls", m2, ys, estimator = "ULS")
fits("cfa5_dwls", m2, ys, estimator = "DWLS")
fits("cfa5_wlsm", m2, ys, estimator = "WLSM")
fits("cfa4_wls", "f =~ y1 + y2 + y3 + y4", ys[1:4], estimator = "WLS")
fits("binary_wlsmv", "f =~ b1 + b2 + b3 + b4 + b5", bs, estimator = "WLSMV")
fits("mixed_wlsmv", "f1 =~ y1 + y2 + y3 + y4\nf5 =~ x1 + x2 + x3", ys[1:4], estimator = "WLSMV")
edt <- paste("EXP =~ exp1 + exp2 + exp3", "PERF =~ perf1 + perf2 + perf3",
             "DISC =~ disc1 + disc2 + disc3", "SAT =~ sat1 + sat2 + sat3",
             "PERF ~ EXP", "DISC ~ a*PERF + EXP", "SAT ~ b*DISC + PERF + EXP",
             "ind := a*b", sep = "\n")
edt_items <- c(paste0("exp", 1:3), paste0("perf", 1:3), paste0("disc", 1:3), paste0("sat", 1:3))
fits("edt_wlsmv", edt, edt_items, estimator = "WLSMV")
fits("edt_wlsmv_theta", edt, edt_items, estimator = "WLSMV", parameterization = "theta")
fits("groups_wlsmv", m2, ys, estimator = "WLSMV", group = "g",
     group.equal = c("thresholds", "loadings"))
fits("groups_configural", m2, ys, estimator = "WLSMV", group = "g")
fits("groups_theta", m2, ys, estimator = "WLSMV", group = "g", parameterization = "theta",
     group.equal = c("thresholds", "loadings"))
fits("cfa5_stdlv", m2, ys, estimator = "WLSMV", std.lv = TRUE)
fits("thresh_syntax", paste(m2, "y1 | a*t1 + t2 + t3 + t4", "y5 | -1*t1 + t2 + t3 + t4",
                            sep = "\n"), ys, estimator = "WLSMV")

# ---------------------------------------------------------------- missing values
csv_m <- "ordinal/likert_missing.csv"
if (!file.exists(csv_m)) {
  set.seed(20261202)
  dm <- d[, c("g", ys, "x1", "x2", "x3")]
  for (v in c(ys, "x1")) dm[[v]][sample.int(nrow(dm), 30)] <- NA
  write.csv(dm, csv_m, row.names = FALSE)
}
dm <- read.csv(csv_m)
for (miss in c("pairwise", "listwise")) {
  fit <- lavCor(dm[, ys], ordered = ys, output = "fit", missing = miss,
                se = "robust.sem", estimator = "WLSMV")
  dump_json(list(name = paste0("cor_missing_", miss), vars = ys, ordered = ys, missing = miss,
                 wls_obs = as.numeric(lavInspect(fit, "wls.obs")),
                 gamma = unname(as.matrix(lavInspect(fit, "gamma"))),
                 nobs = lavInspect(fit, "nobs")),
            "ordinal", paste0("cor_missing_", miss))
}
fits("missing_pairwise", m2, ys, estimator = "WLSMV", missing = "pairwise", data = dm)
fits("missing_listwise", "f1 =~ y1 + y2 + y3 + y4\nf5 =~ x1 + x2 + x3", ys[1:4],
     estimator = "WLSMV", data = dm)

# ---------------------------------------------------------------- invariance ladder (ordinal)
fits("groups_thresholds", m2, ys, estimator = "WLSMV", group = "g", group.equal = "thresholds")

# ---------------------------------------------------------------- reliability (semTools)
# categorical omega (Green & Yang 2009) as semTools::compRelSEM, on the fits above
for (case in c("cfa5_wlsmv_delta", "cfa5_wlsmv_theta", "cfa7_wlsmv_delta", "binary_wlsmv",
               "edt_wlsmv")) {
  ref <- jsonlite::fromJSON(file.path("ordinal", paste0(case, ".json")))
  fit <- cfa(ref$model, data = d, ordered = ref$extra$ordered,
             estimator = if (is.null(ref$options$estimator)) "WLSMV" else ref$options$estimator,
             parameterization = if (is.null(ref$options$parameterization)) "delta"
                                else ref$options$parameterization,
             control = list(rel.tol = ref$extra$rel_tol))
  omega <- compRelSEM(fit)
  # ordinal alpha (Zumbo et al. 2007): alpha of the polychoric matrix
  alpha <- compRelSEM(fit, tau.eq = TRUE, ord.scale = FALSE)
  dump_json(list(name = paste0("reliability_", case), case = case,
                 semTools = as.character(packageVersion("semTools")),
                 omega = as.list(omega), alpha_ordinal = as.list(alpha)),
            "ordinal", paste0("reliability_", case))
}

# ---------------------------------------------------------------- nested tests (lavTestLRT)
# Satorra (2000) scaled(-shifted) difference tests, lavaan's default for these estimators
lrt <- function(name, models, ordered, ..., data = d) {
  fs <- lapply(models, function(m) {
    for (tol in c(1e-11, 1e-10, 1e-9)) {
      f <- suppressWarnings(cfa(m$model, data = data, ordered = ordered,
                                control = list(rel.tol = tol), ...,
                                group.equal = if (is.null(m$equal)) "" else m$equal))
      if (lavInspect(f, "converged")) break
    }
    f
  })
  tab <- do.call(lavTestLRT, unname(fs))
  dump_json(list(name = name, models = lapply(models, function(m) m$model),
                 equal = lapply(models, function(m) if (is.null(m$equal)) "" else m$equal),
                 ordered = ordered, options = list(...),
                 df = tab$Df, chisq = tab$Chisq, chisq_diff = tab[["Chisq diff"]],
                 df_diff = tab[["Df diff"]], pvalue = tab[["Pr(>Chisq)"]],
                 method = attr(tab, "heading")), "ordinal", name)
}
m2eq <- "f1 =~ y1 + a*y2 + a*y3 + y4\nf2 =~ y5 + y6 + y7 + y8"
lrt("lrt_wlsmv", list(list(model = m2), list(model = m2eq)), ys, estimator = "WLSMV")
lrt("lrt_wlsm", list(list(model = m2), list(model = m2eq)), ys, estimator = "WLSM")
lrt("lrt_groups", list(list(model = m2), list(model = m2, equal = "thresholds"),
                       list(model = m2, equal = c("thresholds", "loadings"))),
    ys, estimator = "WLSMV", group = "g")

# ---------------------------------------------------------------- modification indices
for (case in c("cfa5_wlsmv_delta", "cfa5_wlsmv_theta", "mixed_wlsmv", "edt_wlsmv")) {
  ref <- jsonlite::fromJSON(file.path("ordinal", paste0(case, ".json")))
  fit <- cfa(ref$model, data = d, ordered = ref$extra$ordered,
             parameterization = if (is.null(ref$options$parameterization)) "delta"
                                else ref$options$parameterization,
             control = list(rel.tol = ref$extra$rel_tol))
  mi <- modindices(fit, sort. = FALSE)
  dump_json(list(name = paste0("mi_", case), case = case,
                 mi = mi[, c("lhs", "op", "rhs", "mi", "epc", "sepc.lv", "sepc.all")]),
            "ordinal", paste0("mi_", case))
}

# ---------------------------------------------------------------- factor scores (EBM)
for (case in c("cfa5_wlsmv_delta", "cfa5_wlsmv_theta", "binary_wlsmv", "edt_wlsmv")) {
  ref <- jsonlite::fromJSON(file.path("ordinal", paste0(case, ".json")))
  fit <- cfa(ref$model, data = d, ordered = ref$extra$ordered,
             parameterization = if (is.null(ref$options$parameterization)) "delta"
                                else ref$options$parameterization,
             control = list(rel.tol = ref$extra$rel_tol))
  fs <- lavPredict(fit)
  dump_json(list(name = paste0("scores_", case), case = case, method = "EBM",
                 rows = 1:40, scores = as.data.frame(fs[1:40, , drop = FALSE])),
            "ordinal", paste0("scores_", case))
}
