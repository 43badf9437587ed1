# lavaan 0.6-14 references for issue 11, item 7 continued: robust, FIML and bootstrap fits
# under general equality / inequality constraints.
# Run from tests/refs:  Rscript scripts/parity_constraints.R
#   -> tests/refs/parity/c*_*.json (read by tests/test_parity.py like every parity case)
#   -> tests/refs/parity_boot/*.json (lavaan's refits on given bootstrap resamples)
# lavaan computes robust SEs under constraints with its augmented information
# (lav_model_information_augment_invert: E.inv B0 E.inv) and the scaled tests with that E.inv.
source("scripts/parity_setup.R")

lab <- "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
run_case("c1_mlr_linear_sum", paste0(lab, "\na + b == 1.5"), list(estimator = "MLR"))
run_case("c2_mlr_linear_ratio", paste0(lab, "\na == 2*b"), list(estimator = "MLR"))
run_case("c3_mlr_fixed_value", paste0(lab, "\na == 0.5"), list(estimator = "MLR"))
run_case("c4_mlm_linear_sum", paste0(lab, "\na + b == 1.5"), list(estimator = "MLM"))
run_case("c5_mlr_nonlinear", paste0(lab, "\na*b == 0.3"), list(estimator = "MLR"))
run_case("c6_mlr_inequality_active", paste0(lab, "\na > 0.7"), list(estimator = "MLR"))
run_case("c7_fiml_linear_sum", paste0(lab, "\na + b == 1.5"), list(missing = "fiml"),
         "parity/hs_holes.csv")
run_case("c8_fiml_mlr_linear_sum", paste0(lab, "\na + b == 1.5"),
         list(missing = "fiml", estimator = "MLR"), "parity/hs_holes.csv")
run_case("c9_mlr_groups_ratio",
         paste("visual =~ x1 + c(a1, a2)*x2 + x3", "textual =~ x4 + x5 + x6",
               "a1 == 2*a2 - 0.5", sep = "\n"),
         list(group = "school", estimator = "MLR"))
run_case("c10_se_robust_ml", paste0(lab, "\na + b == 1.5"), list(se = "robust"))

# Bootstrap under constraints: lavaan's refits (nlminb.constr) on resamples drawn here; the
# test refits the same rows with trustmodel's bootstrap refit.
boot_refs <- function(name, model, opts, data_file, B = 20, seed = 2026) {
  d <- datasets[[data_file]]
  set.seed(seed)
  idx <- lapply(seq_len(B), function(b) sample.int(nrow(d), replace = TRUE))
  est <- list()
  for (b in seq_len(B)) {
    fb <- do.call("sem", c(list(model = model, data = d[idx[[b]], ]), r_args(opts)))
    stopifnot(lavInspect(fb, "converged"))
    pt <- parTable(fb)
    est[[b]] <- pt$est[pt$free > 0]
  }
  pt <- parTable(fb)
  dump_json(list(name = name, lavaan = as.character(packageVersion("lavaan")), model = model,
                 options = opts, data = data_file, index = idx,
                 free = paste(pt$lhs, pt$op, pt$rhs, pt$group)[pt$free > 0], est = est),
            "parity_boot", name)
}
boot_refs("b1_ml_linear_sum", paste0(lab, "\na + b == 1.5"), list(), "holzinger_swineford.csv")
boot_refs("b2_ml_inequality", paste0(lab, "\na > 0.7"), list(), "holzinger_swineford.csv")
boot_refs("b3_fiml_linear_sum", paste0(lab, "\na + b == 1.5"), list(missing = "fiml"),
          "parity/hs_holes.csv", B = 10)
