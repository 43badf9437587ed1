# Shared helpers for the per-topic reference scripts in this folder.
# Each topic script is run from tests/refs:  Rscript scripts/<topic>.R
# and writes tests/refs/<topic>/<case>.json with dump_case(). R with lavaan 0.6-14 and
# semTools comes from Debian (apt-get install r-cran-lavaan r-cran-semtools); the library
# and its tests only read the committed JSON.
suppressMessages({library(lavaan); library(semTools); library(jsonlite)})

# Write one case: parameter estimates (standardized), every fitMeasures value and extras.
dump_case <- function(fit, topic, name, call, data_file, model_syntax, options = list(),
                      extra = list()) {
  dir.create(topic, showWarnings = FALSE)
  out <- list(name = name, lavaan = as.character(packageVersion("lavaan")), call = call,
              data = data_file, model = model_syntax,
              options = if (length(options)) options else setNames(list(), character(0)),
              converged = lavInspect(fit, "converged"),
              params = parameterEstimates(fit, standardized = TRUE),
              fit = as.list(fitMeasures(fit)), extra = extra)
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
             file.path(topic, paste0(name, ".json")))
  cat(topic, "/", name, "\n", sep = "")
}

# Write any list as JSON (for quantities that are not a fit: polychorics, indProd columns).
dump_json <- function(x, topic, name) {
  dir.create(topic, showWarnings = FALSE)
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
             file.path(topic, paste0(name, ".json")))
  cat(topic, "/", name, "\n", sep = "")
}

# Tight convergence for references.
tight <- list(rel.tol = 1e-14, abs.tol = 1e-14, eval.max = 1e5, iter.max = 1e5)
