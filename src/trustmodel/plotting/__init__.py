"""Plots of fitted models; matplotlib is imported only when a plot is drawn.

Every function returns the matplotlib Figure and accepts ``ax=`` to draw into an existing
axes. Install matplotlib with ``pip install "trustmodel[plot]"``.
"""
from .interaction import plot_johnson_neyman, plot_simple_slopes
from .misc import plot_ipma, plot_residuals, plot_response_surface
from .path import plot_path
from .practice import plot_drivers, plot_kano, plot_nps

__all__ = ["plot_path", "plot_residuals", "plot_response_surface", "plot_ipma",
           "plot_simple_slopes", "plot_johnson_neyman",
           "plot_drivers", "plot_kano", "plot_nps"]
