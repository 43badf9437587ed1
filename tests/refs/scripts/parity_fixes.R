# More lavaan 0.6-14 parity references (issue 11), found by a held-out randomized comparison:
# multi-group FIML robust (FIML-corrected) measures, and covariances in lavaan's variable
# order. Run from tests/refs:  Rscript scripts/parity_fixes.R  -> tests/refs/parity/<case>.json
#
# Reuses parity.R's set-up and run_case() (everything above its "Part 1" line). lavaan's h1
# (saturated) moments under missing = "ml" come from an EM that stops at em.h1.tol = 1e-5;
# trustmodel solves the h1 likelihood exactly, and SRMR / the FIML-corrected measures then
# differ by ~1e-6..1e-5. These cases fit lavaan with em.h1.tol = 1e-12 so that the
# references are the exact h1 values (recorded in extra$em_h1_tol).
src <- readLines("scripts/parity.R")
eval(parse(text = src[seq_len(grep("^## ---- Part 1", src)[1] - 1)]))
sem <- function(...) lavaan::sem(..., em.h1.tol = 1e-12, em.h1.iter.max = 100000L)
tight_em <- list(em_h1_tol = 1e-12)

HS3L <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + c(a,a)*x5 + c(b1,b2)*x6\nspeed =~ x7 + x8 + x9"
run_case("f1_fiml_two_group_labels_mlr", HS3L,
         list(group = "school", missing = "fiml", estimator = "MLR", std_lv = TRUE),
         "parity/hs_holes.csv", extra = tight_em)
run_case("f2_fiml_two_group_intercepts_ml", HS3,
         list(group = "school", group_equal = list("intercepts"), missing = "fiml"),
         "parity/hs_holes.csv", extra = tight_em)
run_case("f3_fiml_two_group_equal_mlr", HS3,
         list(group = "school", group_equal = list("loadings", "residuals"), missing = "fiml",
              estimator = "MLR"), "parity/hs_holes.csv", extra = tight_em)
run_case("f4_fiml_single_group_mlr", paste(HS3, "visual =~ x9", sep = "\n"),
         list(missing = "fiml", estimator = "MLR"), "parity/hs_holes.csv", extra = tight_em)
run_case("f5_covariance_order", "textual =~ x4 + x5 + x6\nvisual =~ x1 + x2 + x3\nx3 ~~ x5\nx2 ~~ x4",
         list(std_lv = TRUE))
