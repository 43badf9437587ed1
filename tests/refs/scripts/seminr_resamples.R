# Resample rows of seminr's golden outputs recorded in sem-in-r/seminr-ts
# (tests/fixtures/expected/*.json, written by its scripts/generate-fixtures.R): seminr's
# bootstrap_model draws resample i as set.seed(seed + i); sample.int(n, replace = TRUE)
# (R/estimate_bootstrap.R).
#   bootstrap_m1_indices: M6_bootstrap.json, bootstrap_model(m1, nboot = 200, seed = 123)
#   bootstrap_m2_indices: M11_mediation.json, bootstrap_model(m2, nboot = 100, seed = 456)
#   mga_indices: M9_mga_ecsi.json, estimate_pls_mga(m2, mobi$CUEX1 < 8, nboot = 100,
#                seed = 123), both groups (108 and 142 rows, data order) with seed 123
# Run from tests/refs: Rscript scripts/seminr_resamples.R
source("scripts/common.R")
# compact JSON: the index matrices are large
dump_compact <- function(x, name) {
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA), file.path("seminr", paste0(name, ".json")))
  cat("seminr/", name, "\n", sep = "")
}
draw <- function(n, seed, nboot) t(vapply(seq_len(nboot), function(i) {
  set.seed(seed + i)
  sample.int(n, replace = TRUE)
}, integer(n)))
dump_compact(list(R = R.version.string, rule = "set.seed(123 + i); sample.int(250, replace = TRUE), i = 1..200 (1-based rows)",
                  indices = draw(250, 123, 200)), "bootstrap_m1_indices")
dump_compact(list(R = R.version.string, rule = "set.seed(456 + i); sample.int(250, replace = TRUE), i = 1..100 (1-based rows)",
                  indices = draw(250, 456, 100)), "bootstrap_m2_indices")
dump_compact(list(R = R.version.string, rule = "set.seed(123 + i); sample.int(n_group, replace = TRUE), i = 1..100 (1-based rows of each group, data order)",
                  group1 = draw(108, 123, 100), group2 = draw(142, 123, 100)), "mga_indices")
