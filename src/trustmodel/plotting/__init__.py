"""Plots of fitted models; matplotlib is imported only when a plot is drawn.

Every function returns the matplotlib Figure and accepts ``ax=`` to draw into an existing
axes. Install matplotlib with ``pip install "trustmodel[plot]"``.
"""
from .misc import plot_ipma, plot_residuals, plot_response_surface
from .path import plot_path
from .practice import plot_drivers, plot_kano, plot_nps

__all__ = ["plot_path", "plot_residuals", "plot_response_surface", "plot_ipma",
           "plot_drivers", "plot_kano", "plot_nps"]
