# lavaan 0.6-14 references for issue 11 ("lavaan's numbers on every continuous model").
# Run from tests/refs:  Rscript scripts/parity.R   -> tests/refs/parity/<case>.json
#
# Each case stores the Python keyword arguments of tm.fit() in `options` (the R call is
# derived from them), and in `extra`: `input` ("data" or "cov": sample.cov = cov(data)),
# `scale` (columns multiplied by a constant before fitting), and lavaan's standardized
# residuals where asked. Part 1: the reproducers of the issue's items 2-9. Part 2: a seeded
# random set of realistic models (CFA, SEM with covariates and mediators, mean structures,
# multi-group with random group.equal sets, FIML, covariance input; ML/MLR/MLM/GLS/ULS).
source("scripts/parity_setup.R")

## ---- Part 1: the issue's reproducers ------------------------------------------------------
cov2 <- "visual =~ x1 + x2 + x3\nvisual ~ ageyr + sex"
cov1 <- "visual =~ x1 + x2 + x3\nvisual ~ ageyr"
# item 2: observed exogenous covariates
run_case("i2_covariates_ml", cov2)
run_case("i2_covariates_mlr", cov2, list(estimator = "MLR"))
run_case("i2_covariates_mlm", cov2, list(estimator = "MLM"))
run_case("i2_covariates_fixedx_false", cov2, list(fixed_x = FALSE))
run_case("i2_covariates_fixedx_false_mlr", cov2, list(fixed_x = FALSE, estimator = "MLR"))
run_case("i2_fiml_covariate_mlr", cov1, list(missing = "fiml", estimator = "MLR"),
         "parity/hs_holes.csv")
run_case("i2_fiml_covariate_ml", cov1, list(missing = "fiml"), "parity/hs_holes.csv")
run_case("i2_covariate_indicator", "visual =~ x1 + x2 + x3\nx1 ~ ageyr\nvisual ~ sex")
# item 3: estimator-dependent fixed.x
run_case("i3_gls_covariate", cov1, list(estimator = "GLS"))
run_case("i3_uls_covariate", cov2, list(estimator = "ULS"))
# item 4: std.lv rules
run_case("i4_stdlv_loadings", HS3, list(group = "school", group_equal = list("loadings"),
                                         std_lv = TRUE))
run_case("i4_stdlv_loadings_intercepts", HS3,
         list(group = "school", group_equal = list("loadings", "intercepts"), std_lv = TRUE))
run_case("i4_stdlv_loadings_lvvar", HS3,
         list(group = "school", group_equal = list("loadings", "lv_variances"), std_lv = TRUE))
run_case("i4_stdlv_explicit_var", paste0(HS3, "\nvisual ~~ visual"), list(std_lv = TRUE))
# item 5: standardized residual covariance between an endogenous latent and an observed y
run_case("i5_std_lv_ov_cov", paste("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6",
                                   "textual ~ visual", "x7 ~ visual", "textual ~~ x7", sep = "\n"))
# item 6: robust details
run_case("i6_mlr_groups_loadings", HS3, list(group = "school", group_equal = list("loadings"),
                                             estimator = "MLR"))
run_case("i6_mlr_labels", "visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + b*x5 + b*x6",
         list(estimator = "MLR"))
run_case("i6_gls_groups", HS3, list(group = "school", estimator = "GLS"))
run_case("i6_uls_groups", HS3, list(group = "school", estimator = "ULS"))
run_case("i6_df0_ml", "visual =~ x1 + x2 + x3")
run_case("i6_df0_mlr", "visual =~ x1 + x2 + x3", list(estimator = "MLR"))
# item 7: constraints
lab <- "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
run_case("i7_fixed_value", paste0(lab, "\na == 0.5"))
run_case("i7_linear_sum", paste0(lab, "\na + b == 1.5"))
run_case("i7_linear_ratio", paste0(lab, "\na == 2*b"))
run_case("i7_nonlinear", paste0(lab, "\na*b == 0.3"))
run_case("i7_inequality_active", paste0(lab, "\na > 0.7"))
run_case("i7_inequality_inactive", paste0(lab, "\nx3 ~~ v*x3\nv > 0"))
run_case("i7_equal_modifier", "visual =~ x1 + x2 + equal(\"visual=~x2\")*x3")
run_case("i7_defined_functions", paste0(lab, "\nf1 := pnorm(a) + exp(b)\nf2 := log(a) * sqrt(b)",
                                        "\nf3 := abs(a - b)"))
# item 8: standardized residuals
run_case("i8_residuals_hs3", HS3, residuals = TRUE)
run_case("i8_residuals_meanstructure", HS3, list(meanstructure = TRUE), residuals = TRUE)
run_case("i8_residuals_covariate", cov2, residuals = TRUE)
# item 9: convergence from bad starts and in odd units
run_case("i9_start_far", "visual =~ x1 + start(1e6)*x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9")
# (HS3 with x1 * 1e-4 or with several columns rescaled: lavaan 0.6-14 fails, BFGS and nlminb
# alike, so those cases are checked as a property against i9's unscaled fit instead)
run_case("i9_rescaled_mild", HS3, scale = list(x1 = 0.1, x9 = 10))
run_case("i9_two_group_small", "visual =~ x1 + x2 + x3\nvisual ~ ageyr",
         list(group = "school", group_equal = list("loadings", "regressions")))

## ---- Part 2: seeded random models ---------------------------------------------------------
set.seed(11)
factors <- list(visual = paste0("x", 1:3), textual = paste0("x", 4:6), speed = paste0("x", 7:9))
covs <- c("ageyr", "sex", "agemo")
equal_sets <- c("loadings", "intercepts", "residuals", "lv_variances", "lv_covariances",
                "means", "regressions", "residual_covariances")
specs <- list()
for (i in 1:48) {
  kind <- sample(c("cfa", "sem", "mediation", "covariates"), 1)
  nf <- if (kind == "cfa") sample(2:3, 1) else 3
  fs <- sample(names(factors), nf)
  lines <- vapply(fs, function(f) paste(f, "=~", paste(factors[[f]], collapse = " + ")), "")
  if (runif(1) < 0.2) lines <- c(lines, sprintf("%s ~~ %s", factors[[fs[1]]][1],
                                                  factors[[fs[2]]][1]))
  if (kind == "sem") lines <- c(lines, sprintf("%s ~ %s + %s", fs[3], fs[1], fs[2]))
  if (kind == "mediation")
    lines <- c(lines, sprintf("%s ~ c*%s + b*%s", fs[3], fs[1], fs[2]),
               sprintf("%s ~ a*%s", fs[2], fs[1]), "ind := a*b", "total := c + a*b")
  if (kind == "covariates") {
    cx <- sample(covs, sample(1:2, 1))
    lines <- c(lines, sprintf("%s ~ %s", fs[2], fs[1]),
               sprintf("%s ~ %s", fs[1], paste(cx, collapse = " + ")))
    if (runif(1) < 0.4) lines <- c(lines, sprintf("%s ~ %s", factors[[fs[3]]][2], cx[1]))
  }
  model <- paste(lines, collapse = "\n")
  est <- sample(c("ML", "ML", "MLR", "MLM", "GLS", "ULS"), 1)
  opts <- list()
  if (est != "ML") opts$estimator <- est
  data_file <- "holzinger_swineford.csv"
  input <- "data"
  u <- runif(1)
  if (u < 0.3) {
    opts$group <- "school"
    ge <- sample(equal_sets, sample(0:3, 1))
    if (length(ge)) opts$group_equal <- as.list(ge)
  } else if (u < 0.42 && est %in% c("ML", "MLR")) {
    opts$missing <- "fiml"
    data_file <- "parity/hs_holes.csv"
  } else if (u < 0.52 && est %in% c("ML", "GLS", "ULS")) {
    input <- "cov"
  }
  if (runif(1) < 0.3 && is.null(opts$group) && is.null(opts$missing)) opts$meanstructure <- TRUE
  if (runif(1) < 0.3) opts$std_lv <- TRUE
  if (kind == "covariates" && runif(1) < 0.25) opts$fixed_x <- FALSE
  specs[[i]] <- list(name = sprintf("r%02d_%s_%s", i, kind, tolower(est)), model = model,
                     opts = opts, data_file = data_file, input = input)
}
# (specs are drawn before any fit, so the set does not depend on what lavaan draws)
for (s in specs) run_case(s$name, s$model, s$opts, s$data_file, s$input)
