"""trustmodel: customer-satisfaction theory as structural equation models.

Fit lavaan-syntax models (ML, GLS, ULS) with lavaan's numbers, build the expectation-
disconfirmation, customer-delivered-value and three-level-trust models in one call, and read
them in the theory's own terms.
"""
from . import datasets
from ._errors import (BootstrapFailureWarning, CollinearityWarning, ConvergenceError, DataError,
                      DataWarning, HeywoodCaseWarning, IdentificationError,
                      IdentificationWarning, ModelSyntaxError, NonConvergenceWarning,
                      NotPositiveDefiniteWarning, NumericalWarning, OptionError, ReadOnlyError,
                      SingularMatrixWarning, SmallSampleWarning, StandardErrorWarning,
                      TrustModelError, TrustModelWarning, UnsupportedFeatureError)
from ._version import __version__
from .api import fit, lower_to_cov
from .interaction import (conditional_indirect, index_of_moderated_mediation,
                          johnson_neyman, montecarlo_ci, product_indicators, simple_slopes,
                          standardized_interaction)
from .invariance import InvarianceResult, invariance
from .compare import compare
from .diagnostics.modindices import modindices
from .diagnostics.reliability import htmt, reliability
from .pls.index import acsi_index
from .pls.studies import micom
from .pls.studies import plspredict
from .pls.cvpat import cvpat
from .results.result import FitResult
from .rsa import response_surface
from .power import power
from .practice import common_method, drivers, kano, nps, penalty_reward
from .simulate import simulate
from .studies import power_grid
from .syntax import ParameterTable, build_table, parse_model
from .theory import (CustomerDeliveredValue, ExpectationDisconfirmation, SatisfactionLoyalty,
                     ThreeLevelTrust)
from .theory.acsi import ACSI, ECSI

__all__ = [
    "fit", "lower_to_cov", "FitResult", "ParameterTable", "build_table", "parse_model",
    "datasets", "TrustModelError", "ModelSyntaxError", "DataError", "OptionError",
    "UnsupportedFeatureError",
    "IdentificationError", "ConvergenceError", "TrustModelWarning", "NonConvergenceWarning",
    "HeywoodCaseWarning", "NotPositiveDefiniteWarning", "IdentificationWarning",
    "SmallSampleWarning", "BootstrapFailureWarning", "DataWarning", "NumericalWarning",
    "SingularMatrixWarning", "CollinearityWarning", "StandardErrorWarning",
    "UnsupportedFeatureError", "ReadOnlyError", "__version__",
    "invariance", "InvarianceResult",
    "ExpectationDisconfirmation", "CustomerDeliveredValue", "ThreeLevelTrust",
    "SatisfactionLoyalty",
    "ECSI", "ACSI", "acsi_index", "micom", "plspredict", "cvpat",
    "reliability", "htmt", "modindices", "compare",
    "simulate", "power", "power_grid", "response_surface",
    "product_indicators", "simple_slopes", "johnson_neyman", "standardized_interaction",
    "conditional_indirect", "index_of_moderated_mediation", "montecarlo_ci",
    "drivers", "common_method", "kano", "penalty_reward", "nps",
]
