# Resample indices of seminr's PLS-MGA golden output (sem-in-r/seminr-ts,
# tests/fixtures/expected/M9_mga_ecsi.json, written by scripts/generate-fixtures.R with
# estimate_pls_mga(m2, mobi$CUEX1 < 8, nboot = 100, cores = 1, seed = 123)): seminr's
# bootstrap_model draws resample i of a group as set.seed(seed + i); sample.int(n, replace =
# TRUE) (R/estimate_bootstrap.R), the same rule seminr-ts's mga_indices.json records.
# Run from tests/refs: Rscript scripts/seminr_mga.R
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
dump_compact(list(R = R.version.string, rule = "set.seed(123 + i); sample.int(n_group, replace = TRUE), i = 1..100 (1-based rows of each group, data order)",
               group1 = draw(108, 123, 100), group2 = draw(142, 123, 100)),
          "mga_indices")
