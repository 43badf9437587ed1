# Fold assignment of seminr's predict_pls: cut(seq(1, n), breaks = k, labels = FALSE)
# (R/feature_plspredict.R, prediction_matrices). Run from tests/refs: Rscript scripts/r_folds.R
source("scripts/common.R")
cases <- list(c(250, 10), c(13, 4), c(344, 7), c(100, 3))
out <- lapply(cases, function(nk) list(n = nk[1], k = nk[2],
                                       folds = cut(seq(1, nk[1]), breaks = nk[2], labels = FALSE)))
dump_json(list(R = R.version.string, cases = out), "seminr", "r_cut_folds")
