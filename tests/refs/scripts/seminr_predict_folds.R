# Row shuffles of seminr's predict_pls golden outputs recorded in sem-in-r/seminr-ts
# (tests/fixtures/expected/M8_predict_*.json, scripts/generate-fixtures.R: set.seed(seed);
# predict_pls(model, noFolds = 10); the shuffle sample(nrow, nrow) is the only random draw,
# exported there as shuffleOrder). Row shuffle[p] falls in fold cut(seq(1, n), 10)[p].
# Run from tests/refs: Rscript scripts/seminr_predict_folds.R
source("scripts/common.R")
folds_of <- function(seed, n = 250, k = 10) {
  set.seed(seed)
  shuffle <- sample(n, n, replace = FALSE)
  fold <- integer(n)
  fold[shuffle] <- cut(seq(1, n), breaks = k, labels = FALSE)
  list(seed = seed, shuffle = shuffle, fold = fold)
}
dump_json(list(R = R.version.string, rule = "set.seed(seed); shuffle <- sample(250, 250); fold[shuffle] <- cut(seq(1, 250), breaks = 10, labels = FALSE)",
               s789 = folds_of(789), s790 = folds_of(790)), "seminr", "predict_mobi_folds")
