# Reference numbers for issue 15 (latent interactions): semTools::indProd columns and the
# lavaan fits of product-indicator models.  Run from tests/refs:  Rscript scripts/interaction.R
# Data: interaction/oneInt.csv (modsem's oneInt, MIT licence; copied from
# /work/shared/data/published) and the bundled Holzinger-Swineford CSV.
source("scripts/common.R")
topic <- "interaction"
# nlminb with tight tolerances, falling back to BFGS with a tight gradient criterion where
# nlminb stops with a false convergence warning at the 1e-14 tolerances
tight_sem <- function(model, data) {
  fit <- suppressWarnings(sem(model, data = data, control = tight))
  if (!lavInspect(fit, "converged"))
    fit <- sem(model, data = data, optim.method = "BFGS",
               control = list(reltol = 1e-16, maxit = 1e5))
  fit
}
one <- read.csv("interaction/oneInt.csv")
hs <- read.csv("../../src/trustmodel/datasets/holzinger_swineford.csv")

# ---- indProd columns --------------------------------------------------------------------
prod_case <- function(data, v1, v2, match, meanC, residualC, doubleMC) {
  out <- indProd(data[, c(v1, v2)], var1 = v1, var2 = v2, match = match, meanC = meanC,
                 residualC = residualC, doubleMC = doubleMC)
  P <- out[, setdiff(names(out), c(v1, v2)), drop = FALSE]
  list(x = v1, z = v2, match = match, meanC = meanC, residualC = residualC,
       doubleMC = doubleMC, columns = names(P), head = P[1:5, , drop = FALSE],
       sums = colSums(P), sumsq = colSums(P^2))
}
x <- c("x1", "x2", "x3"); z <- c("z1", "z2", "z3")
dump_json(list(
  double_matched = prod_case(one, x, z, TRUE, TRUE, FALSE, TRUE),
  double_all = prod_case(one, x, z, FALSE, TRUE, FALSE, TRUE),
  mean_matched = prod_case(one, x, z, TRUE, TRUE, FALSE, FALSE),
  residual_matched = prod_case(one, x, z, TRUE, FALSE, TRUE, FALSE),
  residual_all = prod_case(one, x, z, FALSE, FALSE, TRUE, FALSE),
  hs_double_unequal = prod_case(hs, c("x1", "x2", "x3"), c("x4", "x5"), FALSE, TRUE, FALSE, TRUE)
), topic, "indprod")

# ---- lavaan fits of the product-indicator models (what tm.fit(interaction=) estimates) ----
meas <- "X =~ x1 + x2 + x3\nZ =~ z1 + z2 + z3\nY =~ y1 + y2 + y3\n"
fit_case <- function(data, base, v1, v2, match, meanC, residualC, doubleMC, name, call) {
  d <- indProd(data, var1 = v1, var2 = v2, match = match, meanC = meanC,
               residualC = residualC, doubleMC = doubleMC)
  prods <- setdiff(names(d), names(data))
  covs <- character(0)
  if (!match) {  # residual covariances of products sharing an indicator (Lin et al. 2010)
    pr <- expand.grid(j = seq_along(v2), i = seq_along(v1))[, c("i", "j")]
    for (a in seq_len(nrow(pr))) for (b in seq_len(nrow(pr))) if (a < b &&
        (pr$i[a] == pr$i[b] || pr$j[a] == pr$j[b])) covs <- c(covs,
        paste(prods[a], "~~", prods[b]))
  }
  model <- paste0(base$meas, "XZ =~ ", paste(prods, collapse = " + "), "\n",
                  paste(covs, collapse = "\n"), "\n", base$struct)
  fit <- tight_sem(model, d)
  dump_case(fit, topic, name, call, base$data, model)
}
oneint <- list(meas = meas, struct = "Y ~ X + Z + XZ\n", data = "interaction/oneInt.csv")
fit_case(one, oneint, x, z, TRUE, TRUE, FALSE, TRUE, "oneint_dblcent_matched",
         "tm.fit(model, oneInt, interaction='dblcent')")
fit_case(one, oneint, x, z, FALSE, TRUE, FALSE, TRUE, "oneint_dblcent_all",
         "tm.fit(model, oneInt, interaction='dblcent', interaction_pairs='all')")
fit_case(one, oneint, x, z, TRUE, TRUE, FALSE, FALSE, "oneint_mean_matched",
         "tm.fit(model, oneInt, interaction='mean')")
fit_case(one, oneint, x, z, FALSE, FALSE, TRUE, FALSE, "oneint_residual_all",
         "tm.fit(model, oneInt, interaction='residual', interaction_pairs='all')")
hsb <- list(meas = "X =~ x1 + x2 + x3\nZ =~ x4 + x5 + x6\nY =~ x7 + x8 + x9\n",
            struct = "Y ~ X + Z + XZ\n", data = "holzinger_swineford")
fit_case(hs, hsb, c("x1", "x2", "x3"), c("x4", "x5", "x6"), TRUE, TRUE, FALSE, TRUE,
         "hs_dblcent_matched", "tm.fit(model, hs, interaction='dblcent')")
hsu <- list(meas = "X =~ x1 + x2 + x3\nZ =~ x4 + x5\nY =~ x7 + x8 + x9\n",
            struct = "Y ~ X + Z + XZ\n", data = "holzinger_swineford")
fit_case(hs, hsu, c("x1", "x2", "x3"), c("x4", "x5"), FALSE, TRUE, FALSE, TRUE,
         "hs_dblcent_unequal", "tm.fit(model, hs, interaction='dblcent')  # all pairs")

# ---- observed product term: lavaan forms x:z itself --------------------------------------
fit <- tight_sem("y1 ~ x1 + z1 + x1:z1", one)
dump_case(fit, topic, "oneint_observed_product", "tm.fit('y1 ~ x1 + z1 + x1:z1', oneInt)",
          "interaction/oneInt.csv", "y1 ~ x1 + z1 + x1:z1")
