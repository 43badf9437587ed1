# Shared set-up of the parity scripts (parity.R, parity_constraints.R): the data, run_case().
source("scripts/common.R")
topic <- "parity"
dir.create(topic, showWarnings = FALSE)
hs <- read.csv("../../src/trustmodel/datasets/holzinger_swineford.csv")

# FIML data: HS with holes in the indicators (covariates complete), MCAR and MAR on age.
set.seed(20261201)
holes <- hs[, c("id", "sex", "ageyr", "agemo", "school", "x1", "x2", "x3", "x4", "x5", "x6",
                "x7", "x8", "x9")]
for (v in paste0("x", 1:9)) {
  p <- if (v %in% c("x4", "x5", "x6")) plogis(-2.2 + 0.8 * (holes$ageyr - 13)) else 0.08
  holes[runif(nrow(holes)) < p, v] <- NA
}
write.csv(holes, file.path(topic, "hs_holes.csv"), row.names = FALSE, na = "")
holes <- read.csv(file.path(topic, "hs_holes.csv"))
datasets <- list("holzinger_swineford.csv" = hs, "parity/hs_holes.csv" = holes)

HS3 <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

r_args <- function(opts) {
  a <- list()
  for (k in names(opts)) {
    v <- opts[[k]]
    if (k == "group_equal" || k == "group_partial") v <- unlist(v)
    if (k == "group_equal") v <- gsub("_", ".", v)
    if (k == "missing" && v == "fiml") v <- "ml"
    a[[gsub("_", ".", k)]] <- v
  }
  # lavaan's EM for the h1 moments stops at tol 1e-5 by default: the FIML-corrected measures
  # (Zhang & Savalei) are first-order in those moments, so the references run EM to the end
  if (identical(a$missing, "ml")) a <- c(a, list(em.h1.tol = 1e-14, em.h1.iter.max = 1e5))
  a
}

run_case <- function(name, model, opts = list(), data_file = "holzinger_swineford.csv",
                     input = "data", scale = list(), residuals = FALSE, extra = list()) {
  d <- datasets[[data_file]]
  for (v in names(scale)) d[[v]] <- d[[v]] * scale[[v]]
  args <- c(list(model = model), r_args(opts))
  if (input == "cov") {
    fit0 <- do.call("sem", c(args, list(data = d, do.fit = FALSE)))
    ov <- lavNames(fit0, "ov")
    args$sample.cov <- cov(d[, ov])
    args$sample.nobs <- nrow(d)
    if (isTRUE(opts$meanstructure)) args$sample.mean <- colMeans(d[, ov])
  } else {
    args$data <- d
  }
  # BFGS with reltol 1e-15 ends with gradients near 1e-9 (nlminb with rel.tol 1e-14 reports
  # false convergence); constrained models use lavaan's nlminb.constr at its defaults.
  constrained <- grepl("(==|[<>])", gsub("<~|:=", "", model))
  if (!constrained) {
    args$optim.method <- "BFGS"
    args$control <- list(reltol = 1e-15, maxit = 1e5)
  }
  fit <- tryCatch(do.call("sem", args), error = function(e) e)
  if (!constrained && (inherits(fit, "error") || !lavInspect(fit, "converged"))) {
    args$optim.method <- NULL  # BFGS failed: lavaan's default nlminb, at its defaults
    args$control <- NULL
    fit <- tryCatch(do.call("sem", args), error = function(e) e)
    extra$optimizer <- "nlminb (defaults)"
  }
  if (!constrained && !inherits(fit, "error") && lavInspect(fit, "converged")) {
    # polish: nlminb from the BFGS solution; keep whichever optimum is lower
    args2 <- args
    args2$optim.method <- NULL
    args2$control <- NULL
    args2$start <- fit
    fit2 <- tryCatch(do.call("sem", args2), error = function(e) e)
    if (!inherits(fit2, "error") && lavInspect(fit2, "converged") &&
        fit2@optim$fx < fit@optim$fx - 1e-13) {
      fit <- fit2
      extra$optimizer <- "BFGS, then nlminb"
    }
  }
  if (inherits(fit, "error")) { cat("FAILED", name, conditionMessage(fit), "\n"); return(invisible()) }
  if (!lavInspect(fit, "converged")) { cat("NOT CONVERGED", name, "\n"); return(invisible()) }
  extra$input <- input
  extra$max_gradient <- max(abs(lavInspect(fit, "optim.gradient")))
  if (length(scale)) extra$scale <- scale
  if (residuals) {
    for (type in c("standardized", "standardized.mplus", "normalized", "raw")) {
      r <- suppressWarnings(residuals(fit, type = type))
      extra[[paste0("resid_", type)]] <- lapply(r[c("cov", if (!is.null(r$mean)) "mean")],
                                                function(m) if (is.matrix(m)) unclass(m) else as.list(m))
      if (type != "raw") extra[[paste0("resid_", type)]]$names <- rownames(r$cov)
    }
  }
  call <- paste0("sem(", paste(names(args)[names(args) != "data" & names(args) != "sample.cov"],
                              collapse = ", "), ")")
  dump_case(fit, topic, name, call, data_file, model, opts, extra)
}

