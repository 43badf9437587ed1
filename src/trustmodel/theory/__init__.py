"""Theory builders: customer-research models as parameter tables and lavaan syntax."""
from .base import NamedEffect, TheoryModel, population_covariance
from .cdv import CustomerDeliveredValue
from .edt import ExpectationDisconfirmation
from .loyalty import SatisfactionLoyalty
from .trust import ThreeLevelTrust

__all__ = ["TheoryModel", "NamedEffect", "population_covariance", "ExpectationDisconfirmation",
           "CustomerDeliveredValue", "ThreeLevelTrust", "SatisfactionLoyalty"]
