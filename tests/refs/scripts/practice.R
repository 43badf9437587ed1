# References for trustmodel.practice (issue 17). Run from tests/refs:
#   Rscript scripts/practice.R
# Writes tests/refs/practice/*.json and the CSV data the tests read. Base R + lavaan only.
source("scripts/common.R")
topic <- "practice"
dir.create(topic, showWarnings = FALSE)

# ---- data from R's datasets package (used with the published outputs in published.json)
write.csv(attitude, file.path(topic, "attitude.csv"), row.names = FALSE)
write.csv(swiss, file.path(topic, "swiss.csv"), row.names = FALSE)
write.csv(mtcars[, c("mpg", "cyl", "disp", "hp", "gear")], file.path(topic, "mtcars.csv"),
          row.names = FALSE)

# ---- LMG by brute force: R2 increments averaged over all p! orderings, each R2 from lm().
# Independent of the subset algebra in trustmodel (orderings, not subsets; QR, not solves).
perms <- function(v) {
  if (length(v) == 1) return(list(v))
  out <- list()
  for (i in seq_along(v)) for (p in perms(v[-i])) out[[length(out) + 1]] <- c(v[i], p)
  out
}
lmg_bruteforce <- function(data, y, xs) {
  r2 <- function(set) if (length(set) == 0) 0 else
    summary(lm(reformulate(set, y), data = data))$r.squared
  cache <- new.env()
  get <- function(set) {
    if (length(set) == 0) return(0)
    key <- paste(sort(set), collapse = "+")
    if (is.null(cache[[key]])) cache[[key]] <- r2(set)
    cache[[key]]
  }
  acc <- setNames(numeric(length(xs)), xs)
  ps <- perms(xs)
  for (p in ps) for (k in seq_along(p)) acc[p[k]] <- acc[p[k]] + get(p[1:k]) - get(p[seq_len(k - 1)])
  list(lmg = as.list(acc / length(ps)), r2 = get(xs))
}
sw <- lmg_bruteforce(swiss, "Fertility", setdiff(names(swiss), "Fertility"))
att <- lmg_bruteforce(attitude, "rating", setdiff(names(attitude), "rating"))
dump_json(list(swiss = sw, attitude = att,
               note = "LMG = mean over all orderings of sequential R2 increments (lm)"),
          topic, "lmg_bruteforce")

# ---- Common method: simulated survey with a method factor and a marker construct
set.seed(2010)
n <- 400
traits <- matrix(rnorm(n * 3), n) %*% chol(matrix(c(1, .5, .4, .5, 1, .45, .4, .45, 1), 3))
mark <- rnorm(n)
meth <- rnorm(n)
item <- function(f, lam, mload) lam * f + mload * meth + rnorm(n, sd = sqrt(1 - lam^2 - mload^2))
cmb <- data.frame(
  q1 = item(traits[, 1], .75, .30), q2 = item(traits[, 1], .70, .30),
  q3 = item(traits[, 1], .80, .30), s1 = item(traits[, 2], .70, .30),
  s2 = item(traits[, 2], .75, .30), s3 = item(traits[, 2], .65, .30),
  l1 = item(traits[, 3], .80, .30), l2 = item(traits[, 3], .70, .30),
  l3 = item(traits[, 3], .75, .30),
  m1 = .75 * mark + .35 * meth + rnorm(n, sd = sqrt(1 - .75^2 - .35^2)),
  m2 = .70 * mark + .35 * meth + rnorm(n, sd = sqrt(1 - .70^2 - .35^2)),
  m3 = .80 * mark + .35 * meth + rnorm(n, sd = sqrt(1 - .80^2 - .35^2)))
cmb <- round(cmb, 4)
write.csv(cmb, file.path(topic, "cmb.csv"), row.names = FALSE)

meas <- "QUAL =~ q1 + q2 + q3\nSAT =~ s1 + s2 + s3\nLOY =~ l1 + l2 + l3"
items <- c("q1", "q2", "q3", "s1", "s2", "s3", "l1", "l2", "l3")
fitm <- function(syntax) cfa(syntax, data = cmb, std.lv = TRUE, optim.method = "BFGS",
                             control = list(reltol = 1e-14, maxit = 1e5))
num <- function(v) formatC(v, digits = 12, format = "g")
pe <- function(f, l, o, r) { p <- parameterEstimates(f); p$est[p$lhs == l & p$op == o & p$rhs == r] }

# Williams, Hartman & Cavazotte (2010): CFA, Baseline, Method-C, Method-U, Method-R
m_cfa <- paste(meas, "MARKER =~ m1 + m2 + m3", sep = "\n")
f_cfa <- fitm(m_cfa)
mk <- c("m1", "m2", "m3")
fixed <- paste(c(
  paste0("MARKER =~ ", paste0(sapply(mk, function(m) num(pe(f_cfa, "MARKER", "=~", m))), "*", mk,
                              collapse = " + ")),
  sapply(mk, function(m) paste0(m, " ~~ ", num(pe(f_cfa, m, "~~", m)), "*", m)),
  paste0("MARKER ~~ 0*", c("QUAL", "SAT", "LOY"))), collapse = "\n")
m_base <- paste(meas, fixed, sep = "\n")
f_base <- fitm(m_base)
m_c <- paste(m_base, paste0("MARKER =~ ", paste0("mk*", items, collapse = " + ")), sep = "\n")
m_u <- paste(m_base, paste0("MARKER =~ ", paste(items, collapse = " + ")), sep = "\n")
f_c <- fitm(m_c)
f_u <- fitm(m_u)
cu <- anova(f_c, f_u)
retained <- if (cu[["Pr(>Chisq)"]][2] < 0.05) "Method-U" else "Method-C"
lv <- c("QUAL", "SAT", "LOY")
corr <- c()
for (i in 1:2) for (j in (i + 1):3)
  corr <- c(corr, paste0(lv[i], " ~~ ", num(pe(f_base, lv[i], "~~", lv[j])), "*", lv[j]))
m_r <- paste(if (retained == "Method-U") m_u else m_c, paste(corr, collapse = "\n"), sep = "\n")
f_r <- fitm(m_r)
for (case in list(list("marker_cfa", f_cfa, m_cfa), list("marker_baseline", f_base, m_base),
                  list("marker_method_c", f_c, m_c), list("marker_method_u", f_u, m_u),
                  list("marker_method_r", f_r, m_r)))
  dump_case(case[[2]], topic, case[[1]], "cfa(model, data = cmb, std.lv = TRUE)", "cmb.csv",
            case[[3]], extra = list(retained = retained))

# ULMC: trait CFA and the same with an orthogonal method factor on every indicator
m_ulmc <- paste(meas, paste0("METHOD =~ ", paste(items, collapse = " + ")),
                paste0("METHOD ~~ 0*", lv, collapse = "\n"), sep = "\n")
f_trait <- fitm(meas)
f_ulmc <- fitm(m_ulmc)
dump_case(f_trait, topic, "trait_cfa", "cfa(model, data = cmb, std.lv = TRUE)", "cmb.csv", meas)
dump_case(f_ulmc, topic, "ulmc", "cfa(model, data = cmb, std.lv = TRUE)", "cmb.csv", m_ulmc)

# Harman (first principal component share) and full-collinearity VIFs (Kock 2015) of
# unit-weighted composites of standardized items, each regressed on the others with lm()
ev <- eigen(cor(cmb[, items]))$values
z <- scale(cmb[, items])
comp <- data.frame(QUAL = rowMeans(z[, 1:3]), SAT = rowMeans(z[, 4:6]), LOY = rowMeans(z[, 7:9]))
vif <- sapply(lv, function(v) 1 / (1 - summary(lm(reformulate(setdiff(lv, v), v),
                                                  data = comp))$r.squared))
dump_json(list(harman_first_share = ev[1] / sum(ev), n_eigen_above_1 = sum(ev > 1),
               vif = as.list(vif)), topic, "cmb_harman_vif")

# ---- Penalty-reward contrast analysis (Brandt 1987) on mobi: dummies low <= 5, high >= 9
mobi <- read.csv("../../src/trustmodel/datasets/mobi.csv")
attrs <- paste0("PERQ", 1:7)
X <- do.call(cbind, lapply(attrs, function(a) {
  d <- cbind(as.numeric(mobi[[a]] <= 5), as.numeric(mobi[[a]] >= 9))
  colnames(d) <- paste0(a, c("_low", "_high")); d }))
prca <- summary(lm(mobi$CUSA1 ~ X))$coefficients
rownames(prca) <- sub("^X", "", rownames(prca))
dump_json(list(coef = as.list(prca[, 1]), se = as.list(prca[, 2]), p = as.list(prca[, 4])),
          topic, "prca_mobi")

# ---- NPS on mobi's recommend item (CUSL3, 1-10): the -1/0/1 score's mean and its
# N-divisor variance (= the trinomial p + d - (p - d)^2) by the two halves of the sample
score <- ifelse(mobi$CUSL3 >= 9, 1, ifelse(mobi$CUSL3 <= 6, -1, 0))
half <- rep(c("first", "second"), each = nrow(mobi) / 2)
nps_ref <- lapply(split(score, half), function(s) {
  n <- length(s); v <- mean((s - mean(s))^2)
  list(n = n, nps = 100 * mean(s), se = 100 * sqrt(v / n),
       wald_lower = 100 * (mean(s) - qnorm(.975) * sqrt(v / n)),
       wald_upper = 100 * (mean(s) + qnorm(.975) * sqrt(v / n)))
})
dump_json(nps_ref, topic, "nps_mobi")
